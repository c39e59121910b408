// The least any node program does to list what `probekit index --list` lists from BTF and tracefs: read
// /sys/kernel/btf/vmlinux and available_events, walk BTF's type records, print `kfunc:NAME` for each function (by
// string offset, each once) and `tracepoint:SYS:EVENT`. No product code, no checks, no kprobe names, no prototype: the
// catalogue bench times it beside `bpftrace -l` to show how far node alone is from bpftrace's time on a machine.
// usage: node btf-listing-floor.cjs
'use strict';
const fs = require('node:fs');

const btf = fs.readFileSync('/sys/kernel/btf/vmlinux');
// tracefs where it is mounted, as probekit looks for it
const tracefs = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find(d => fs.existsSync(`${d}/available_events`));
const events = fs.readFileSync(`${tracefs}/available_events`, 'latin1');
const view = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
const hdrLen = view.getUint32(4, true);
const typeStart = hdrLen + view.getUint32(8, true);
const typeLen = view.getUint32(12, true);
const strStart = hdrLen + view.getUint32(16, true);
// Records are 4-byte aligned: read them as words (fewer calls while the loop still runs unoptimised; little-endian host).
const words = new Uint32Array(btf.buffer, btf.byteOffset + typeStart, typeLen >>> 2);
const FUNC = 12;
const offsets = new Uint32Array(words.length / 3);
let count = 0;
for (let w = 0; w < words.length;) {
    const info = words[w + 1];
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (kind === FUNC) offsets[count++] = words[w];
    // the words after the 3-word record, by kind (include/uapi/linux/btf.h)
    w += 3 + (kind === 1 || kind === 14 || kind === 17 ? 1 : kind === 3 ? 3
        : kind === 4 || kind === 5 || kind === 15 || kind === 19 ? 3 * vlen : kind === 6 || kind === 13 ? 2 * vlen : 0);
}
const sorted = offsets.subarray(0, count).sort();
const out = Buffer.allocUnsafe(count * 48 + 64);
let n = 0;
for (let i = 0; i < count; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue;
    out[n++] = 107; out[n++] = 102; out[n++] = 117; out[n++] = 110; out[n++] = 99; out[n++] = 58; // kfunc:
    for (let q = strStart + sorted[i], c; (c = btf[q]) !== 0; q++) out[n++] = c;
    out[n++] = 10;
}
fs.writeSync(1, out.subarray(0, n));
fs.writeSync(1, events.split('\n').filter(Boolean).map(e => `tracepoint:${e}\n`).join(''));
