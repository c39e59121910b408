import { readdirSync, readFileSync } from 'node:fs';

/** pid → parent pid, process group and command name, read from /proc. */
export interface ProcEntry {
    pid: number;
    ppid: number;
    pgid: number;
    comm: string;
}

/** A snapshot of every process /proc shows (processes that vanish while reading are skipped). */
export function readProcTable(procDir = '/proc'): ProcEntry[] {
    const entries: ProcEntry[] = [];
    let names: string[];
    try {
        names = readdirSync(procDir);
    } catch {
        return entries;
    }
    for (const name of names) {
        if (!/^\d+$/.test(name)) continue;
        try {
            const stat = readFileSync(`${procDir}/${name}/stat`, 'utf8');
            entries.push(parseProcStat(stat));
        } catch {
            // exited meanwhile
        }
    }
    return entries;
}

/** Parse `/proc/PID/stat`; the command name sits in parentheses and may itself hold spaces and parentheses. */
export function parseProcStat(stat: string): ProcEntry {
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const pid = Number(stat.slice(0, open).trim());
    const comm = stat.slice(open + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] = state, [1] = ppid, [2] = pgrp
    return { pid, comm, ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

/**
 * Every process that descends from `root` or sits in one of the given process groups, children before parents.
 * sudo and pkexec may start the tool in a new session, so the group alone is not enough: the parent links are.
 */
export function processTree(root: number, table: ProcEntry[] = readProcTable(), groups: number[] = [root]): number[] {
    const children = new Map<number, number[]>();
    for (const e of table) {
        const list = children.get(e.ppid) ?? [];
        list.push(e.pid);
        children.set(e.ppid, list);
    }
    const seen = new Set<number>();
    const order: number[] = [];
    const visit = (pid: number): void => {
        if (seen.has(pid)) return;
        seen.add(pid);
        for (const c of children.get(pid) ?? []) visit(c);
        order.push(pid);
    };
    if (table.some(e => e.pid === root)) visit(root);
    for (const e of table) {
        if (groups.includes(e.pgid) && !seen.has(e.pid)) visit(e.pid);
    }
    return order;
}

/** Signal each process of the tree and the group; returns how many processes were signalled. */
export function signalTree(root: number, signal: NodeJS.Signals, groups: number[] = [root]): number {
    let count = 0;
    for (const g of groups) {
        try {
            process.kill(-g, signal);
        } catch {
            // group already gone, or not ours
        }
    }
    for (const pid of processTree(root, readProcTable(), groups)) {
        try {
            process.kill(pid, signal);
            count++;
        } catch {
            // exited meanwhile, or not ours to signal
        }
    }
    return count;
}

/** Signal a process group (its leader's PID); false when there is none we may signal. */
export function signalGroup(leader: number, signal: NodeJS.Signals): boolean {
    try {
        process.kill(-leader, signal);
        return true;
    } catch {
        return false;
    }
}

/** The real user id a process runs as (from /proc), or undefined when it is gone. */
export function ownerUid(pid: number): number | undefined {
    try {
        return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    } catch {
        return undefined;
    }
}

/** A process's command name (from /proc), for messages. */
export function commandName(pid: number): string {
    try {
        return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).comm;
    } catch {
        return 'process';
    }
}

/** Is the process alive (and not a zombie)? */
export function isAlive(pid: number): boolean {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        return state !== 'Z' && state !== 'X';
    } catch {
        return false;
    }
}

/** Processes whose command name is `comm` (e.g. `bpftrace`), for checks that nothing outlived a run. */
export function processesNamed(comm: string, table: ProcEntry[] = readProcTable()): ProcEntry[] {
    return table.filter(e => e.comm === comm);
}
