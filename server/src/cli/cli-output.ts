/**
 * The CLI's output (all commands but `run`, which streams a script's output: cli-main.ts): written to the file
 * descriptor at once, not through `process.stdout`. Touching `process.stdout` builds a stream (with `node:net` for a
 * pipe: ~4 ms of a fresh `probekit index`), and its writes to a pipe finish later, so the process could only exit
 * after a flush. Here each write is done when it returns, and the process exits as soon as the command does.
 */
import { writeSync } from 'node:fs';

/** Descriptors whose reader has gone (EPIPE): later writes to them are dropped, as `head` expects of a writer. */
const closed = new Set<number>();

/** Waits `ms` milliseconds without spinning (the descriptor is non-blocking and its reader is behind). */
function pause(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes all of `data` to `fd`. A pipe that another process made non-blocking (node does so to its own pipes, and
 * the setting is shared by every process holding the pipe) can take part of a write or none (EAGAIN): the rest is
 * written when the reader catches up.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
    if (closed.has(fd)) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let at = 0;
    while (at < bytes.length) {
        try {
            at += writeSync(fd, bytes, at, bytes.length - at);
        } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (code === 'EAGAIN') {
                pause(1);
                continue;
            }
            // EPIPE: nobody reads any more; anything else (EBADF: no descriptor): nowhere to write.
            closed.add(fd);
            return;
        }
    }
}

/** A writer to `fd` for a command's `out` or `err`. */
export const writerTo = (fd: number) => (s: string | Uint8Array): void => writeAll(fd, s);
