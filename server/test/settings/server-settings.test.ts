import { describe, expect, test } from 'vitest';
import { settingsDir } from '../../src/server-settings.js';

describe('directories from the settings', () => {
    test.each([
        ['stap/lib', '/ws', '/ws/stap/lib'],
        ['./stap/lib', '/ws', '/ws/stap/lib'],
        ['${workspaceFolder}/stap/lib', '/ws', '/ws/stap/lib'],
        ['/usr/share/systemtap/tapset', '/ws', '/usr/share/systemtap/tapset'],
        ['stap/lib', undefined, 'stap/lib'],
    ])('%s in %s → %s', (dir, root, expected) => {
        expect(settingsDir(dir, root)).toBe(expected);
    });
});
