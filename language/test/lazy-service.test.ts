import { eagerLoad } from 'langium';
import { NodeFileSystem } from 'langium/node';
import { describe, expect, test } from 'vitest';
import { isServiceBuilt, lazyService } from '../src/common/lazy-service.js';
import { createProbekitServices } from '../src/probekit-module.js';

describe('lazyService', () => {
    test('builds the service on first use, once, and forwards reads, writes and method calls', () => {
        let built = 0;
        const service = lazyService(() => {
            built++;
            return { count: 1, bump(this: { count: number }) { return ++this.count; } };
        });
        expect(built).toBe(0);
        expect(isServiceBuilt(service)).toBe(false);
        expect(service.bump()).toBe(2);
        service.count = 10;
        expect(service.count).toBe(10);
        expect('bump' in service).toBe(true);
        expect(built).toBe(1);
        expect(isServiceBuilt(service)).toBe(true);
    });

    test("Langium's eager load (the language server's initialize) builds no parser; the first parse builds one", () => {
        const { systemtap, bpftrace } = createProbekitServices({ ...NodeFileSystem });
        eagerLoad(systemtap);
        eagerLoad(bpftrace);
        const parsers = [systemtap.parser.LangiumParser, systemtap.parser.CompletionParser,
            bpftrace.parser.LangiumParser, bpftrace.parser.CompletionParser];
        expect(parsers.map(isServiceBuilt)).toEqual([false, false, false, false]);
        expect(systemtap.parser.LangiumParser.parse('probe begin { exit() }').parserErrors).toEqual([]);
        expect(parsers.map(isServiceBuilt)).toEqual([true, false, false, false]);
    });
});
