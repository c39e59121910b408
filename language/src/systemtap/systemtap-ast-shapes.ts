import type { AstNode } from 'langium';

/** An AST node as the parser starts it: its type, and room for what Langium adds later. */
type Shape = new () => AstNode;

/**
 * Makers of AST nodes, one constructor per node type. Langium starts a node as `{ $type }` and
 * adds its properties one by one, then `$cstNode`, then (after the parse) `$container`,
 * `$containerProperty` and `$containerIndex`: past the few slots of a literal, V8 moves them to
 * a second object that it regrows as they come. A constructor per type that names the `$`
 * properties first lets V8 size each type's nodes for all their properties (slack tracking).
 * The nodes are plain objects all the same (prototype `Object.prototype`); the `$` properties
 * start undefined, which every reader treats as absent.
 */
export class AstShapes {
    private readonly shapes = new Map<string, Shape>();

    /** A new node of `type`. */
    make(type: string): AstNode {
        let Shape = this.shapes.get(type);
        if (!Shape) {
            Shape = shapeOf(type);
            this.shapes.set(type, Shape);
        }
        return new Shape();
    }
}

function shapeOf(type: string): Shape {
    function AstNodeShape(this: Record<string, unknown>): void {
        this.$type = type;
        this.$cstNode = undefined;
        this.$container = undefined;
        this.$containerProperty = undefined;
        this.$containerIndex = undefined;
    }
    AstNodeShape.prototype = Object.prototype;
    return AstNodeShape as unknown as Shape;
}
