import { isAstNode, type AstNode, type AstReflection, type TypeMetaData } from 'langium';

type Node = AstNode & Record<string, unknown>;

/**
 * Langium's `linkContentToContainer(root, { deep: true })`: the same walk in the same order,
 * setting `$container`, `$containerProperty` and `$containerIndex` alike, without recursion and its
 * `Object.entries` pairs and `forEach` closures (a tenth of the parse). On the way it trims the
 * lists, and returns, in depth-first order, the nodes whose type `pick` selects, so that the
 * syntax checks need no walk of their own.
 */
export function linkContainers(root: AstNode, pick: ReadonlySet<string>): AstNode[] {
    const picked: AstNode[] = [];
    // Depth first with a stack of its own: a chain of ten thousand operators is a tree that deep.
    const pending: Node[] = [root as Node];
    const children: Node[] = [];
    while (pending.length) {
        const node = pending.pop()!;
        if (pick.has(node.$type)) picked.push(node);
        link(node, children);
        for (let k = children.length - 1; k >= 0; k--) pending.push(children[k]);
        children.length = 0;
    }
    return picked;
}

/** Link the children of `node` to it and list them in order in `children`. */
function link(node: Node, children: Node[]): void {
    for (const name in node) {
        if (name.charCodeAt(0) === 36 /* $ */) continue;
        const raw = node[name];
        if (Array.isArray(raw)) {
            // Lists grow by `push` to 17 slots and more; most hold one to three nodes or values.
            // The tree keeps them: keep exact copies (nothing else holds them yet).
            const value: unknown[] = raw.length > 0 ? (node[name] = raw.slice()) as unknown[] : raw;
            for (let index = 0; index < value.length; index++) {
                const item: unknown = value[index];
                if (!isAstNode(item)) continue;
                (item as { $container: AstNode }).$container = node;
                (item as { $containerProperty: string }).$containerProperty = name;
                (item as { $containerIndex: number }).$containerIndex = index;
                children.push(item as Node);
            }
        } else if (isAstNode(raw)) {
            const value = raw;
            (value as { $container: AstNode }).$container = node;
            (value as { $containerProperty: string }).$containerProperty = name;
            children.push(value as Node);
        }
    }
}

/**
 * The reflection as the parser sees it when it finishes a node: Langium then gives every
 * property with a default value (`+=` lists, `?=` flags) that default, going through all
 * properties of the type with `Object.values` for each node. Here each type's metadata keeps
 * only the properties that have a default, computed once.
 */
export function defaultsOnlyReflection(reflection: AstReflection): AstReflection {
    const cache = new Map<string, TypeMetaData>();
    return {
        getTypeMetaData(type: string): TypeMetaData {
            let meta = cache.get(type);
            if (!meta) {
                const full = reflection.getTypeMetaData(type);
                const properties: TypeMetaData['properties'] = {};
                for (const [key, p] of Object.entries(full.properties)) {
                    if (p.defaultValue !== undefined) properties[key] = p;
                }
                meta = { ...full, properties };
                cache.set(type, meta);
            }
            return meta;
        },
    } as AstReflection;
}
