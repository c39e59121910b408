import { beforeAll, describe, expect, test } from 'vitest';
import type { Lexer } from 'langium';
import { btServices } from './bpftrace-test-helpers.js';

let lexer: Lexer;
beforeAll(async () => {
    lexer = (await btServices('latest')).bpftrace.parser.Lexer;
});

/** `TYPE:image` for every visible token. */
function tokens(text: string): string[] {
    return lexer.tokenize(text).tokens.map(t => (t.tokenType.name === t.image ? t.image : `${t.tokenType.name}:${t.image}`));
}

describe('the lexer reads by context', () => {
    test.each([
        ['uprobe:/bin/bash:readline { }', ['ATTACH_POINT:uprobe:/bin/bash:readline', '{', '}']],
        ['kprobe:vfs_*,kr:f+0x10 /pid/{}', ['ATTACH_POINT:kprobe:vfs_*', ',', 'ATTACH_POINT:kr:f+0x10', 'PRED_START:/', 'ID:pid', 'PRED_END:/', '{', '}']],
        // As upstream: after a ':' a '/' belongs to the attach point (paths), so no predicate here.
        ['kr:f/pid/{}', ['ATTACH_POINT:kr:f/pid/', '{', '}']],
        ['hardware:cache-misses:1000000 { }', ['ATTACH_POINT:hardware:cache-misses:1000000', '{', '}']],
        ['usdt:"/a b/c":p { }', ['ATTACH_POINT:usdt:"/a b/c":p', '{', '}']],
        ['k:f / $a / 2 > 1 / { }', ['ATTACH_POINT:k:f', 'PRED_START:/', 'VAR:$a', '/', 'INTEGER:2', '>', 'INTEGER:1', 'PRED_END:/', '{', '}']],
        ['#include <linux/fs.h>\nstruct s { int a; } BEGIN { }', ['C_PREPROC:#include <linux/fs.h>', 'C_BLOCK:struct s { int a; }', 'ATTACH_POINT:BEGIN', '{', '}']],
        ['BEGIN { $x = (struct s *)arg0; }', ['ATTACH_POINT:BEGIN', '{', 'VAR:$x', '=', '(', 'struct', 'ID:s', '*', ')', 'ID:arg0', ';', '}']],
        ['BEGIN { (mytype)arg0; (x) + 1; }', ['ATTACH_POINT:BEGIN', '{', '(', 'CAST_NAME:mytype', ')', 'ID:arg0', ';', '(', 'ID:x', ')', '+', 'INTEGER:1', ';', '}']],
        ['BEGIN { sizeof(int32); print(int32) }', ['ATTACH_POINT:BEGIN', '{', 'sizeof', '(', 'TYPE_WORD:int32', ')', ';', 'ID:print', '(', 'ID:int32', ')', '}']],
        ['fn f($a: int8): int8 { let $b: string[4]; }', ['fn', 'ID:f', '(', 'VAR:$a', ':', 'TYPE_WORD:int8', ')', ':', 'ID:int8', '{', 'let', 'VAR:$b', ':', 'TYPE_WORD:string', '[', 'INTEGER:4', ']', ';', '}']],
        ['BEGIN { config(); @ = $1 + $# }', ['ATTACH_POINT:BEGIN', '{', 'ID:config', '(', ')', ';', 'MAP:@', '=', 'POSITIONAL:$1', '+', 'POSITIONAL:$#', '}']],
        ['let @m = hash(2) BEGIN { }', ['let', 'MAP:@m', '=', 'ID:hash', '(', 'INTEGER:2', ')', 'ATTACH_POINT:BEGIN', '{', '}']],
        ['BEGIN { 1_000ms <<= ->..}', ['ATTACH_POINT:BEGIN', '{', 'INTEGER:1_000ms', '<<=', '->', '..', '}']],
    ])('%s', (text, expected) => {
        expect(tokens(text)).toEqual(expected);
    });

    test('comments and the shebang are hidden tokens', () => {
        const r = lexer.tokenize('#!/usr/bin/env bpftrace\n// a\nBEGIN /* b */ { }');
        expect(r.hidden.map(t => t.tokenType.name)).toEqual(['SHEBANG', 'SL_COMMENT', 'ML_COMMENT']);
    });

    test('token positions are 1-based lines and columns, end column inclusive', () => {
        const [, second] = lexer.tokenize('BEGIN\n  { }').tokens;
        expect([second.startLine, second.startColumn, second.endColumn, second.startOffset, second.endOffset]).toEqual([2, 3, 3, 8, 8]);
    });

    test('a missing ) does not derail the rest of the file', () => {
        expect(tokens('BEGIN { if ($x { } }\nEND { }').slice(-3)).toEqual(['ATTACH_POINT:END', '{', '}']);
    });
});
