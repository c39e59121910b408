/**
 * The few machine facts the catalogue needs for the tapset target, read without spawning anything
 * (spawning `uname` or `stap --version` costs more than indexing the whole library from the cache).
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseKernelConfig, stapArchOf } from '../providers/node-host-facts.js';

/** stap's architecture name for Node's (`x64` → `x86_64`). */
export function stapArch(nodeArchName: string): string {
    return stapArchOf(nodeArchName);
}

/** The kernel configuration from /proc/config.gz or /boot/config-RELEASE; undefined when neither is readable. */
export function readKernelConfig(kernelRelease: string): Map<string, string> | undefined {
    try {
        if (existsSync('/proc/config.gz')) return parseKernelConfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
        const boot = `/boot/config-${kernelRelease}`;
        if (existsSync(boot)) return parseKernelConfig(readFileSync(boot, 'utf8'));
    } catch {
        // unreadable: CONFIG_* conditionals count as unknown
    }
    return undefined;
}
