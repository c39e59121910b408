import { isAstNode, type AstNode } from 'langium';

/** The walks made so far: a loaded grammar does not change. */
const walked = new WeakMap<AstNode, readonly AstNode[]>();

/**
 * Every node inside `node` of a grammar, in document order: what `AstUtils.streamAllContents` gives, by a plain walk,
 * made once per node. Walking a grammar with Langium's streams was 4–10 ms each time in a fresh process, while their
 * code is not compiled yet, and each language's token builder, hand-written parser and linker walk it when they are
 * made (every `probekit check`, every language server start).
 */
export function grammarContents(node: AstNode): readonly AstNode[] {
    let done = walked.get(node);
    if (!done) {
        done = walk(node);
        walked.set(node, done);
    }
    return done;
}

function walk(node: AstNode): AstNode[] {
    const out: AstNode[] = [];
    // Depth first with a stack of its own, children in property order (a grammar is shallow, but the walk takes any tree).
    const pending: AstNode[] = [node];
    const children: AstNode[] = [];
    let first = true;
    while (pending.length > 0) {
        const n = pending.pop()!;
        if (!first) out.push(n);
        first = false;
        for (const key in n) {
            if (key.charCodeAt(0) === 36 /* $ */) continue;
            const value = (n as unknown as Record<string, unknown>)[key];
            if (Array.isArray(value)) {
                for (const item of value) if (isAstNode(item)) children.push(item);
            } else if (isAstNode(value)) children.push(value);
        }
        for (let k = children.length - 1; k >= 0; k--) pending.push(children[k]);
        children.length = 0;
    }
    return out;
}
