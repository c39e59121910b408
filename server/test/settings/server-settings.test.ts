import { describe, expect, test } from 'vitest';
import { toDirUri } from '../../../language/src/systemtap/systemtap-macro-library.js';
import { settingsDir } from '../../src/server-settings.js';

/** Where a settings directory ends up: the language layer joins a relative one with the workspace root (`baseDir`). */
function resolvedDir(dir: string, workspaceRoot: string | undefined): string {
    const expanded = settingsDir(dir, workspaceRoot);
    return workspaceRoot ? toDirUri(expanded, workspaceRoot).fsPath : expanded;
}

describe('directories from the settings', () => {
    test.each([
        ['stap/lib', '/ws', '/ws/stap/lib'],
        ['./stap/lib', '/ws', '/ws/stap/lib'],
        ['${workspaceFolder}/stap/lib', '/ws', '/ws/stap/lib'],
        ['/usr/share/systemtap/tapset', '/ws', '/usr/share/systemtap/tapset'],
        ['stap/lib', undefined, 'stap/lib'],
    ])('%s in %s → %s', (dir, root, expected) => {
        expect(resolvedDir(dir, root)).toBe(expected);
    });
});
