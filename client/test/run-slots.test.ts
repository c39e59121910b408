import { describe, expect, it } from 'vitest';
import { RunSlots, runKey, uniqueName } from '../src/run/run-slots.js';

describe('run keys: one panel per script and host', () => {
    it.each([
        ['file:///a/x.bt', undefined, 'file:///a/x.bt', undefined, true],
        ['file:///a/x.bt', undefined, 'file:///b/x.bt', undefined, false],
        ['file:///a/x.bt', { host: 'h', port: 22 }, 'file:///a/x.bt', { host: 'h', port: 2222 }, false],
        ['file:///a/x.bt', { host: 'h', user: 'ann' }, 'file:///a/x.bt', { host: 'h', user: 'bob' }, false],
        ['file:///a/x.bt', { host: 'h' }, 'file:///a/x.bt', undefined, false],
        ['file:///a/x.bt', { host: 'h', name: 'web' }, 'file:///a/x.bt', { host: 'h', name: 'web' }, true],
    ])('%s %o vs %s %o', (s1, h1, s2, h2, same) => {
        expect(runKey(s1, h1) === runKey(s2, h2)).toBe(same);
    });
});

describe('run slots', () => {
    it('refuses a second live run of a key, keeps the finished one until the key runs again', () => {
        const slots = new RunSlots<string>();
        const k = runKey('file:///x.bt', undefined);
        const other = runKey('file:///x.bt', { host: 'h' });
        expect(slots.start(k, 'first')).toEqual({ started: true, replaced: undefined });
        // the same script on the same host while it runs: refused, and says which run is in the way
        expect(slots.start(k, 'second')).toEqual({ started: false, running: 'first' });
        // the same script on another host: its own slot
        expect(slots.start(other, 'remote')).toEqual({ started: true, replaced: undefined });
        expect(slots.running(k)).toBe('first');
        expect(slots.lives()).toEqual(['first', 'remote']);
        slots.end(k, 'first');
        expect(slots.running(k)).toBeUndefined();
        expect(slots.finishedRuns()).toEqual(['first']);
        // stopped, then run again: the finished run is handed back for disposal
        expect(slots.start(k, 'again')).toEqual({ started: true, replaced: 'first' });
        expect(slots.finishedRuns()).toEqual([]);
        expect(slots.lives()).toEqual(['remote', 'again']);
    });

    it('a run ending that no longer holds the slot does not free it', () => {
        const slots = new RunSlots<string>();
        slots.start('k', 'a');
        slots.end('k', 'a');
        slots.start('k', 'b');
        slots.end('k', 'a');
        expect(slots.running('k')).toBe('b');
    });
});

describe('panel names', () => {
    it.each([
        ['Probekit: x.bt', [], 'Probekit: x.bt'],
        ['Probekit: x.bt', ['Probekit: x.bt'], 'Probekit: x.bt (2)'],
        ['Probekit: x.bt', ['Probekit: x.bt', 'Probekit: x.bt (2)'], 'Probekit: x.bt (3)'],
    ])('%s with %o taken', (wanted, taken, expected) => {
        expect(uniqueName(wanted, new Set(taken))).toBe(expected);
    });
});
