/**
 * What the language server builds a while after it has parsed the first document of a language: the parsers that
 * the language's first syntax error and first completion need. Built on demand instead, the first error a user types
 * waits for Langium's SystemTap parser rules and Chevrotain's analysis of them (84–91 ms to the squiggle, against
 * 5–8 ms for the next one), and the first completion for the language's completion parser (32–49 ms, against 3–15 ms).
 */
import type { ProbekitServices } from '../../language/src/probekit-module.js';
import { isServiceBuilt } from '../../language/src/common/lazy-service.js';
import type { SystemtapParser } from '../../language/src/systemtap/systemtap-parser.js';

/** One piece of work, each short enough (≤ ~60 ms) to run between two requests. */
export type PrewarmStep = () => void;

/** Makes a service that lazyService (language/src/common/lazy-service.ts) stands in for: any property read builds it. */
function build(service: object): void {
    if (!isServiceBuilt(service)) void (service as { constructor: unknown }).constructor;
}

/** The steps for a language (`systemtap`, `bpftrace`; none for another id), in the order a user is likely to need them. */
export function prewarmSteps(services: ProbekitServices, language: string): PrewarmStep[] {
    const steps: PrewarmStep[] = [];
    if (language === 'systemtap') {
        // The fast parser takes error-free texts; Langium's rules are made for the first text it does not.
        steps.push(() => (services.systemtap.parser.LangiumParser as SystemtapParser).langiumRules());
        steps.push(() => build(services.systemtap.parser.CompletionParser));
    }
    if (language === 'bpftrace') {
        steps.push(() => build(services.bpftrace.parser.LangiumParser));
        steps.push(() => build(services.bpftrace.parser.CompletionParser));
    }
    return steps;
}

/**
 * Makes the parsers of each language a while after its first document is built (once per language), one step per
 * turn of the event loop (`gapMs` apart), so that a request that comes meanwhile waits for one step at most. The
 * timers do not keep the process up.
 */
export class ParserPrewarm {
    private readonly scheduled = new Set<string>();

    constructor(private readonly services: ProbekitServices, private readonly delayMs = 1500, private readonly gapMs = 20) {}

    /** A document of `language` has been built. */
    seen(language: string): void {
        if (this.scheduled.has(language)) return;
        this.scheduled.add(language);
        const steps = prewarmSteps(this.services, language);
        const next = (): void => {
            const step = steps.shift();
            if (!step) return;
            try {
                step();
            } catch (e) {
                console.error(`Probekit: building a ${language} parser ahead of time failed:`, e);
            }
            setTimeout(next, this.gapMs).unref();
        };
        setTimeout(next, this.delayMs).unref();
    }
}
