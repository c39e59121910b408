/**
 * A service built on first use instead of when the language server starts.
 *
 * Langium's language server resolves every service of every language at `initialize` (its eager load), and a
 * parser is expensive to build: Chevrotain precomputes the lookahead of every alternative (0.2–0.5 s each for
 * the SystemTap and bpftrace parsers and their completion parsers). A user who opens a `.stp` file should not
 * wait for the bpftrace parser, nor for a completion parser before asking for completion. The proxy stands in
 * for the service and builds it when a property is first read; Langium's eager load only asks the proxy
 * whether it is one of its own injector proxies (a symbol property) or an Error (its prototype), which does
 * not build anything.
 */
export function lazyService<T extends object>(create: () => T): T {
    let real: T | undefined;
    const instance = (): T => (real ??= create());
    const proxy = new Proxy({} as T, {
        get(_, property) {
            if (typeof property === 'symbol' && real === undefined) return undefined;
            const target = instance();
            const value = Reflect.get(target, property, target) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
        set(_, property, value) {
            return Reflect.set(instance(), property, value);
        },
        has(_, property) {
            return Reflect.has(instance(), property);
        },
        // Langium's injector asks every service it resolves whether it is an Error (`instanceof`): a plain
        // object's prototype until built, so that the question does not build it.
        getPrototypeOf(target) {
            return Reflect.getPrototypeOf(real ?? target);
        },
    });
    builtYet.set(proxy, () => real !== undefined);
    return proxy;
}

const builtYet = new WeakMap<object, () => boolean>();

/** Whether a service made by {@link lazyService} has been built (true for any other object). */
export function isServiceBuilt(service: object): boolean {
    return builtYet.get(service)?.() ?? true;
}
