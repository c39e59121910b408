import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { hasKprobeEventSource, readKernelConfig } from '../../src/providers/node-host-facts.js';

const dir = mkdtempSync(join(tmpdir(), 'probekit-event-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the kprobe event source', () => {
    test('is found in an event source folder that has it, not in one that has only others', () => {
        // A folder laid out as /sys/bus/event_source/devices: this machine's kernel may lack kprobes, so both cases
        // cannot be read off it.
        mkdirSync(join(dir, 'without', 'tracepoint'), { recursive: true });
        mkdirSync(join(dir, 'with', 'kprobe'), { recursive: true });
        expect(hasKprobeEventSource(join(dir, 'without'))).toBe(false);
        expect(hasKprobeEventSource(join(dir, 'with'))).toBe(true);
    });

    test("on this machine, is there only where the kernel's configuration has kprobes", () => {
        const config = readKernelConfig();
        if (hasKprobeEventSource()) expect(config?.get('CONFIG_KPROBES') ?? 'y').toBe('y');
        else expect(config?.get('CONFIG_KPROBE_EVENTS')).not.toBe('y');
    });
});
