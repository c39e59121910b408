import type { ValidationChecks } from 'langium';
import type { BpftraceAstType } from './generated/ast.js';
import type { BpftraceServices } from './bpftrace-module.js';

/** Semantic checks of bpftrace programs (syntax is the parser's and the preprocessor's). */
export class BpftraceValidator {
    constructor(private readonly services: BpftraceServices) {}

    register(): void {
        const checks: ValidationChecks<BpftraceAstType> = {};
        this.services.validation.ValidationRegistry.register(checks, this);
    }
}
