/**
 * What the editor starts (out/server-boot.cjs): the language server's bundle (out/server.cjs, 1.5 MB) loaded with
 * V8's code cache (code-cache.ts), so that a server start after the first skips most of compiling it.
 */
import { join } from 'node:path';
import { loadBundle } from './code-cache.js';

// Stored 20 s after the start as well as at exit: the editor may stop the server with a signal.
loadBundle(join(__dirname, 'server.cjs'), undefined, { storeAfterMs: 20_000 });
