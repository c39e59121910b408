import { describe, expect, test } from 'vitest';
import { reflection } from '../../src/systemtap/generated/ast.js';
import { STAP_CHECKED_TYPES, STAP_EXACT_TYPES } from '../../src/systemtap/systemtap-syntax-checks.js';

describe('the syntax checks test node types by $type', () => {
    // The checks dispatch on `$type` and test nodes with `$type ===`: right only while no grammar change gives
    // one of these types a subtype (a node of the subtype would then be missed).
    test.each([...new Set([...STAP_CHECKED_TYPES, ...STAP_EXACT_TYPES])])('%s has no subtypes', type => {
        expect(reflection.getAllTypes().filter(t => t !== type && reflection.isSubtype(t, type))).toEqual([]);
    });
});
