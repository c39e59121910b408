import * as vscode from 'vscode';

const WHAT = {
    guru: {
        title: 'guru mode (stap -g)',
        detail: 'Guru mode lets the script run embedded C inside the kernel and write kernel memory, with no safety net: a bug can crash or corrupt the machine.',
    },
    unsafe: {
        title: 'unsafe builtins (bpftrace --unsafe)',
        detail: '--unsafe lets the script run commands (system()), send signals (signal()) and change return values (override()).',
    },
} as const;

/**
 * Guru mode and `--unsafe` need explicit consent per script, remembered in the workspace so the question comes once.
 * Returns true when the run may go on.
 */
export async function askConsent(state: vscode.Memento, kind: 'guru' | 'unsafe', script: vscode.Uri, name: string): Promise<boolean> {
    const key = `probekit.consent.${kind}:${script.toString()}`;
    if (state.get<boolean>(key) === true) return true;
    const allow = 'Allow for This Script';
    const choice = await vscode.window.showWarningMessage(`Run ${name} with ${WHAT[kind].title}?`, { modal: true, detail: WHAT[kind].detail }, allow);
    if (choice !== allow) return false;
    await state.update(key, true);
    return true;
}
