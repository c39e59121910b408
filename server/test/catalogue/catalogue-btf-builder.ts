/**
 * Builds small BTF blobs for tests, in the kernel's binary format (include/uapi/linux/btf.h), so the reader
 * can be checked on every kind this machine's vmlinux may not exercise, and on split (module) BTF.
 */
export const K = {
    INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11,
    FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

export class BtfBuilder {
    private readonly strings: string[] = [''];
    private readonly stringOffsets = new Map<string, number>([['', 0]]);
    private strLen = 1;
    private readonly words: number[] = [];
    private nextId: number;

    /** `base` (for split BTF): the base's type count and string section length. */
    constructor(private readonly base?: { types: number; strLen: number }) {
        this.nextId = (base?.types ?? 0) + 1;
    }

    str(s: string): number {
        if (!s) return 0;
        let off = this.stringOffsets.get(s);
        if (off === undefined) {
            off = this.strLen + (this.base?.strLen ?? 0);
            this.stringOffsets.set(s, off);
            this.strings.push(s);
            this.strLen += Buffer.byteLength(s, 'latin1') + 1;
        }
        return off;
    }

    /** Adds a type record; returns its id. `extra` are the kind-specific u32 words. */
    add(kind: number, name: string, vlen: number, sizeOrType: number, extra: number[] = [], kindFlag = false): number {
        this.words.push(this.str(name), ((kindFlag ? 1 : 0) << 31 | kind << 24 | vlen) >>> 0, sizeOrType >>> 0, ...extra.map(w => w >>> 0));
        return this.nextId++;
    }

    int(name: string, size: number, signed = true): number {
        return this.add(K.INT, name, 0, size, [(signed ? 1 : 0) << 24 | size * 8]);
    }
    ptr(to: number): number { return this.add(K.PTR, '', 0, to); }
    konst(to: number): number { return this.add(K.CONST, '', 0, to); }
    typedef(name: string, to: number): number { return this.add(K.TYPEDEF, name, 0, to); }
    array(elem: number, index: number, n: number): number { return this.add(K.ARRAY, '', 0, 0, [elem, index, n]); }
    /** members: [name, type, bitOffset, bitSize?] */
    struct(name: string, size: number, members: Array<[string, number, number, number?]>, union = false): number {
        const bitfields = members.some(m => m[3]);
        const extra = members.flatMap(([n, t, off, bits]) => [this.str(n), t, bitfields ? (bits ?? 0) << 24 | off : off]);
        return this.add(union ? K.UNION : K.STRUCT, name, members.length, size, extra, bitfields);
    }
    enumeration(name: string, values: Array<[string, number]>, signed = false): number {
        return this.add(K.ENUM, name, values.length, 4, values.flatMap(([n, v]) => [this.str(n), v]), signed);
    }
    enum64(name: string, values: Array<[string, bigint]>): number {
        return this.add(K.ENUM64, name, values.length, 8, values.flatMap(([n, v]) => [this.str(n), Number(v & 0xffffffffn), Number(v >> 32n)]));
    }
    proto(ret: number, params: Array<[string, number]>): number {
        return this.add(K.FUNC_PROTO, '', params.length, ret, params.flatMap(([n, t]) => [this.str(n), t]));
    }
    func(name: string, proto: number): number { return this.add(K.FUNC, name, 1, proto); }

    build(): Buffer {
        const types = Buffer.alloc(this.words.length * 4);
        this.words.forEach((w, i) => types.writeUInt32LE(w, i * 4));
        const strs = Buffer.concat(this.strings.map(s => Buffer.from(`${s}\0`, 'latin1')));
        const header = Buffer.alloc(24);
        header.writeUInt16LE(0xeb9f, 0);
        header.writeUInt8(1, 2);
        header.writeUInt32LE(24, 4);
        header.writeUInt32LE(0, 8);
        header.writeUInt32LE(types.length, 12);
        header.writeUInt32LE(types.length, 16);
        header.writeUInt32LE(strs.length, 20);
        return Buffer.concat([header, types, strs]);
    }
}

/** A small kernel-like BTF exercising every kind, with the ids of its types by a short name. */
export function btfFixture(): { blob: Buffer; ids: Record<string, number> } {
    const b = new BtfBuilder();
    const ids: Record<string, number> = {};
    ids.int = b.int('int', 4);
    ids.char = b.int('char', 1, true);
    ids.ulong = b.int('long unsigned int', 8, false);
    ids.size_t = b.typedef('size_t', ids.ulong);
    ids.loff_t = b.typedef('loff_t', b.int('long long int', 8));
    ids.fileFwd = b.add(K.FWD, 'file', 0, 0);
    ids.pfile = b.ptr(ids.fileFwd);
    ids.pchar = b.ptr(ids.char);
    ids.cchar = b.konst(ids.char);
    ids.pcchar = b.ptr(ids.cchar);
    ids.ploff = b.ptr(ids.loff_t);
    ids.volint = b.add(K.VOLATILE, '', 0, ids.int);
    ids.restrict = b.add(K.RESTRICT, '', 0, ids.pchar);
    ids.tagged = b.add(K.TYPE_TAG, 'user', 0, ids.char);
    ids.ptagged = b.ptr(ids.tagged);
    ids.comm = b.array(ids.char, ids.int, 16);
    ids.double = b.add(K.FLOAT, 'double', 0, 8);
    ids.anonUnion = b.struct('', 8, [['task', ids.pchar, 0], ['', ids.ulong, 0, 64]], true);
    ids.file = b.struct('file', 32, [['f_count', ids.volint, 0], ['f_flags', ids.int, 32, 3], ['f_mode', ids.int, 35, 5], ['', ids.anonUnion, 64], ['f_pos', ids.loff_t, 128], ['f_name', ids.comm, 192]]);
    ids.file_t = b.typedef('file_t', ids.file);
    ids.cfile_t = b.typedef('cfile_t', b.konst(ids.file_t));
    ids.state = b.enumeration('state', [['RUNNING', 0], ['DEAD', -1 >>> 0]], true);
    ids.big = b.enum64('big', [['HUGE', 1n << 40n], ['SMALL', 2n]]);
    ids.readProto = b.proto(ids.loff_t, [['file', ids.pfile], ['buf', ids.pchar], ['count', ids.size_t], ['pos', ids.ploff]]);
    ids.vfs_read = b.func('vfs_read', ids.readProto);
    ids.varargs = b.func('printk', b.proto(ids.int, [['fmt', ids.pcchar], ['', 0]]));
    ids.fnptr = b.ptr(ids.readProto);
    ids.ops = b.struct('file_operations', 8, [['read', ids.fnptr, 0]]);
    ids.stub = b.func('__probestub_sched_switch', b.proto(0, [['__data', b.ptr(0)], ['preempt', ids.int], ['prev', ids.pchar]]));
    ids.iter = b.struct('bpf_iter__task_file', 24, [['meta', ids.pchar, 0], ['', ids.anonUnion, 64], ['fd', ids.int, 128]]);
    ids.raw = b.struct('trace_event_raw_sched_switch', 40, [['ent', ids.int, 0], ['prev_comm', ids.comm, 32], ['prev_pid', ids.int, 160], ['__data', b.array(ids.char, ids.int, 0), 192]]);
    ids.var = b.add(K.VAR, 'jiffies', 0, ids.ulong, [1]);
    ids.sec = b.add(K.DATASEC, '.data', 1, 8, [ids.var, 0, 8]);
    ids.tag = b.add(K.DECL_TAG, 'noinline', 0, ids.vfs_read, [-1 >>> 0]);
    ids.constPtr = b.konst(ids.pcchar);
    return { blob: b.build(), ids };
}
