import { NodeFileSystem } from 'langium/node';
import { describe, expect, test } from 'vitest';
import { createProbekitServices } from '../../language/src/probekit-module.js';
import { isServiceBuilt } from '../../language/src/common/lazy-service.js';
import type { SystemtapParser } from '../../language/src/systemtap/systemtap-parser.js';
import { ParserPrewarm, prewarmSteps } from '../src/server-prewarm.js';

/** Whether each parser a language's first error and completion need has been made. */
function built(services: ReturnType<typeof createProbekitServices>): Record<string, boolean> {
    const stap = services.systemtap.parser;
    return {
        'systemtap rules': isServiceBuilt(stap.LangiumParser) && (stap.LangiumParser as SystemtapParser).hasLangiumRules,
        'systemtap completion': isServiceBuilt(stap.CompletionParser),
        'bpftrace parser': isServiceBuilt(services.bpftrace.parser.LangiumParser),
        'bpftrace completion': isServiceBuilt(services.bpftrace.parser.CompletionParser),
    };
}

describe('parsers built ahead of time', () => {
    test('none before; the steps of a language make its own, and parsing still gives the same result', () => {
        const services = createProbekitServices({ ...NodeFileSystem });
        expect(built(services)).toEqual({ 'systemtap rules': false, 'systemtap completion': false, 'bpftrace parser': false, 'bpftrace completion': false });
        for (const step of prewarmSteps(services, 'systemtap')) step();
        expect(built(services)).toEqual({ 'systemtap rules': true, 'systemtap completion': true, 'bpftrace parser': false, 'bpftrace completion': false });
        for (const step of prewarmSteps(services, 'bpftrace')) step();
        expect(Object.values(built(services))).toEqual([true, true, true, true]);
        const parsed = services.systemtap.parser.LangiumParser.parse('probe begin {\n  printf("x"\n}\n');
        expect(parsed.parserErrors.length).toBeGreaterThan(0);
    });

    test('after a language is seen, once, in the background', async () => {
        const services = createProbekitServices({ ...NodeFileSystem });
        const prewarm = new ParserPrewarm(services, 0, 0);
        prewarm.seen('bpftrace');
        prewarm.seen('bpftrace');
        expect(built(services)['bpftrace parser']).toBe(false);
        for (let i = 0; i < 200 && !built(services)['bpftrace completion']; i++) await new Promise(resolve => setTimeout(resolve, 10));
        expect(built(services)).toEqual({ 'systemtap rules': false, 'systemtap completion': false, 'bpftrace parser': true, 'bpftrace completion': true });
    });
});
