import { describe, expect, test } from 'vitest';
import { skipWithoutCorpus } from './corpus-presence.js';

describe('corpus suites without the corpus', () => {
    test.each([
        { found: 3, CI: 'true', outcome: 'run' },
        { found: 3, CI: undefined, outcome: 'run' },
        { found: 0, CI: undefined, outcome: 'skip' },
        { found: 0, CI: 'false', outcome: 'skip' },
        { found: 0, CI: 'true', outcome: 'fail' },
        { found: 0, CI: '1', outcome: 'fail' },
    ])('$found files, CI=$CI: $outcome', ({ found, CI, outcome }) => {
        const decide = () => skipWithoutCorpus(found, '/corpus/', CI === undefined ? {} : { CI });
        if (outcome === 'fail') {
            expect(decide).toThrow(/no corpus files in \/corpus\/.*CI/);
        } else {
            expect(decide()).toBe(outcome === 'skip');
        }
    });
});
