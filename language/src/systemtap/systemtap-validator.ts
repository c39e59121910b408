import type { ValidationChecks } from 'langium';
import type { SystemtapAstType } from './generated/ast.js';
import type { SystemtapServices } from './systemtap-module.js';

/** Semantic checks of SystemTap scripts (syntax is the parser's and the preprocessor's). */
export class SystemtapValidator {
    constructor(private readonly services: SystemtapServices) {}

    register(): void {
        const checks: ValidationChecks<SystemtapAstType> = {};
        this.services.validation.ValidationRegistry.register(checks, this);
    }
}
