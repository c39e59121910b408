/**
 * The SystemTap composites of the hand-written parser's trees, made without a call into V8's runtime per node.
 *
 * Each composite is an object literal, so that V8 allocates them straight in the old generation once it sees them
 * outlive the parse (language/src/systemtap/systemtap-fast-cst.ts says why that matters). A literal in this realm gets
 * its prototype from a `__proto__` entry, which V8 sets by a runtime call after making the object: about 150 ns a
 * node, for the half million composites of the tapset library.
 *
 * A literal of another realm has that realm's own `Object.prototype`. Here the literals are made in a realm of their
 * own (a `node:vm` context that runs nothing else) whose `Object.prototype` is given every member of the composite's
 * class and its base. They then answer everything a `StapCompositeCstNode` answers, its `constructor` included, as
 * the class's own instances do. `instanceof StapCompositeCstNode` is false for them; nothing asks that of a tree
 * this parser builds (Langium tells CST nodes apart by their members: `content`, `tokenType`, `fullText`).
 *
 * Measured on all 586 files of the library in cold processes (15 interleaved children each, two orders): wall
 * time median 1,306 → 1,216 ms and 1,407 → 1,242 ms, parse 1,119 → 1,024 ms and 1,201 → 1,043 ms.
 */
import { createContext, runInContext } from 'node:vm';
import { literalComposites, type StapCompositeFactory } from '../../language/src/systemtap/systemtap-fast-cst.js';
import { OPEN, StapCompositeCstNode } from '../../language/src/systemtap/systemtap-cst-nodes.js';

let made: StapCompositeFactory | undefined;

/** The members of a class's prototype and those of its bases, the nearest last (as they override). */
function membersOf(proto: object): PropertyDescriptorMap {
    const chain: object[] = [];
    for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) chain.unshift(p);
    return Object.assign({}, ...chain.map(p => Object.getOwnPropertyDescriptors(p))) as PropertyDescriptorMap;
}

/**
 * The composite factory of the realm (made once per process), or {@link literalComposites} where a realm cannot be
 * made as expected.
 */
export function realmComposites(): StapCompositeFactory {
    if (made) return made;
    try {
        const realm = createContext(Object.create(null) as object);
        const realmObject = runInContext('Object.prototype', realm) as object;
        Object.defineProperties(realmObject, membersOf(StapCompositeCstNode.prototype));
        // The fields in the order of the class's constructor (systemtap-cst-nodes.ts), so that every composite has the
        // same shape as the literal ones would.
        const factory = runInContext(
            `(function realmComposite(feature, root, container) {
                return { first: undefined, next: undefined, fixedOffset: ${OPEN}, fixedEnd: ${OPEN},
                    container: container, grammarSource: feature, root: root, _astNode: undefined };
            })`, realm) as StapCompositeFactory;
        made = factory;
    } catch {
        made = literalComposites;
    }
    return made;
}
