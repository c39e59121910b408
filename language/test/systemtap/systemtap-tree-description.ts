import { AstUtils, GrammarAST, isAstNode, type AstNode, type CompositeCstNode, type CstNode, type LeafCstNode } from 'langium';

/**
 * Every node of a SystemTap tree and its links, as text (identities as depth-first numbers), to
 * compare the trees of two parsers node for node: AST types, values, containers and CST spans;
 * CST offsets, ranges, texts, grammar elements, owners and containers; then `errors`.
 *
 * `strict` adds what only a parser building the same objects can match: every property name of
 * each AST node in order (`$` ones too), the CST node each AST node points to, the owner each
 * composite holds itself (not inherited from its container), and which element of which rule
 * each CST node comes from (by its place in the rule, not only its kind), and the class and
 * property names of each CST node.
 */
export function describeTree(root: AstNode, errors: string[], strict = false): string {
    const ids = new Map<object, number>();
    const id = (o: object | undefined) => {
        if (!o) return '-';
        if (!ids.has(o)) ids.set(o, ids.size);
        return String(ids.get(o));
    };
    const lines: string[] = [];
    // Depth first with a stack of its own (an operator chain of ten thousand terms is a tree that
    // deep): a node's line, then its values and child nodes in property order.
    const pending: Array<AstNode | string> = [root];
    while (pending.length) {
        const n = pending.pop()!;
        if (typeof n === 'string') {
            lines.push(n);
            continue;
        }
        const c = n.$cstNode;
        lines.push(`A${id(n)} ${n.$type} in ${id(n.$container)}.${n.$containerProperty}[${n.$containerIndex}] cst ${c ? `${c.offset}+${c.length}` : '-'}`
            + (strict ? ` C${id(c)} keys ${Object.keys(n).join(',')}` : ''));
        const items: Array<AstNode | string> = [];
        for (const [key, value] of Object.entries(n)) {
            if (key.startsWith('$')) continue;
            for (const v of Array.isArray(value) ? value : [value]) {
                items.push(isAstNode(v) ? v : ` ${key}=${JSON.stringify(v)}${Array.isArray(value) ? '[]' : ''}`);
            }
        }
        for (let k = items.length - 1; k >= 0; k--) pending.push(items[k]);
    }
    const grammar = (n: CstNode) => {
        const g = n.grammarSource as { $type: string; feature?: string; value?: string } | undefined;
        if (!g) return '-';
        return `${g.$type}:${g.feature ?? g.value ?? ''}` + (strict ? `@${elementPlace(n.grammarSource!)}` : '');
    };
    const describeCst = (n: CstNode, parent: CstNode | undefined) => {
        let owner: string;
        try {
            owner = id(n.astNode);
        } catch {
            owner = 'none';
        }
        if (strict) {
            if ('content' in n) owner += ` own ${id((n as unknown as { _astNode?: AstNode })._astNode)}`;
            owner += ` ${Object.getPrototypeOf(n).constructor.name}{${Object.keys(n).join(',')}}`;
        }
        // In strict mode the trees have the same CST classes: a composite's range is the same
        // function of its leaves (and asked for on a deep nest, it takes time exponential in the depth).
        const r = strict && 'content' in n ? undefined : n.range;
        const range = r ? `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}` : '';
        const leaf = 'tokenType' in n ? ` ${(n as LeafCstNode).tokenType.name} ${JSON.stringify(n.text)}` : '';
        lines.push(`C${strict ? id(n) : ''} ${n.offset}+${n.length}=${n.end} ${n.hidden ? 'h' : ''} ${range}`
            + ` ${grammar(n)} ast ${owner} ${n.container === parent ? '' : 'BAD CONTAINER'} ${n.root === root.$cstNode?.root ? '' : 'BAD ROOT'}${leaf}`);
    };
    const cstPending: Array<[CstNode, CstNode | undefined]> = [[root.$cstNode!.root, undefined]];
    while (cstPending.length) {
        const [n, parent] = cstPending.pop()!;
        describeCst(n, parent);
        if ('content' in n) {
            const content = (n as CompositeCstNode).content;
            for (let k = content.length - 1; k >= 0; k--) cstPending.push([content[k], n]);
        }
    }
    return [...lines, ...errors].join('\n');
}

const places = new WeakMap<object, string>();

/**
 * Where a grammar element is: its rule and its index among the rule's elements; for the
 * elements Langium makes for an infix rule (which belong to no rule), its kind and those of its
 * containers.
 */
function elementPlace(element: GrammarAST.AbstractElement): string {
    let place = places.get(element);
    if (place) return place;
    const rule = AstUtils.getContainerOfType(element, GrammarAST.isAbstractRule);
    if (rule) {
        place = `${rule.name}#${AstUtils.streamAllContents(rule).toArray().indexOf(element)}`;
    } else {
        const chain: string[] = [];
        for (let e: { $type: string; $container?: unknown } | undefined = element; e; e = e.$container as typeof e) chain.push(e.$type);
        place = `synthetic ${chain.join('<')}`;
    }
    places.set(element, place);
    return place;
}
