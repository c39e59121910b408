import { AbstractAstReflection } from 'langium';
import { SystemtapAstReflection } from '../systemtap/generated/ast.js';
import { BpftraceAstReflection } from '../bpftrace/generated/ast.js';

/**
 * The two grammars are generated as separate Langium projects (so that each can change without
 * regenerating the other), but one language server hosts both and Langium keeps a single
 * AstReflection in the shared services. This reflection knows the types of both; the type names
 * are distinct by construction (`Stap*` vs `Bt*`), so nothing merges.
 */
export class ProbekitAstReflection extends AbstractAstReflection {
    override readonly types = {
        ...new SystemtapAstReflection().types,
        ...new BpftraceAstReflection().types,
    };
}
