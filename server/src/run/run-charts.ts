import type { RunTool } from './run-types.js';

/** One histogram bucket as the tool printed it. */
export interface ChartBucket {
    /** The tool's label: `[4, 8)`, `[0]`, `(..., 0)`, `1024`. */
    label: string;
    /** Lower bound when the label has one. */
    low?: number;
    count: number;
}

/** One histogram: of a whole map, or of one key of a keyed map. */
export interface ChartSeries {
    key?: string;
    buckets: ChartBucket[];
}

/** A printed map (bpftrace) or histogram (stap), as the latest print showed it. */
export interface ChartMap {
    name: string;
    /** histogram: `series` holds the buckets; values: `values` holds key → value rows. */
    kind: 'histogram' | 'values';
    series: ChartSeries[];
    values: { key: string; value: number | string }[];
}

/** Everything charted so far, maps in order of first appearance. */
export interface ChartModel {
    maps: ChartMap[];
}

const SUFFIX: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

/** `4`, `1K`, `-2M` → number (bpftrace prints powers of two with K/M/G suffixes). */
export function parseScaled(text: string): number | undefined {
    const m = /^(-?\d+)([KMGTPE]?)$/.exec(text.trim());
    return m ? Number(m[1]) * SUFFIX[m[2]] : undefined;
}

const BT_MAP_LINE = /^(@[A-Za-z0-9_]*)(?:\[(.*)\])?:(?: (.*))?$/;
const BT_BUCKET = /^(\[[^\]]*\)|\[[^\]]*\]|\([^)]*\)|\[[^\]]*\))\s+(\d+)\s+\|/;
const STAP_HEADER = /^\s*value \|-+ count\s*$/;
const STAP_ROW = /^\s*(-?\d+) \|@*\s*(\d+)\s*$/;

/**
 * Collects chart data from a run's stdout, line by line: bpftrace's text (`@x[k]: 12`, `hist()`/`lhist()` blocks)
 * or `-f json` lines, and stap's `@hist_log`/`@hist_linear` blocks. Pure: no IO, no timers.
 */
export class ChartCollector {
    private readonly maps = new Map<string, ChartMap>();
    /** Bumped on every change, so a UI can skip refreshes when nothing changed. */
    version = 0;
    private current?: { map: ChartMap; series?: ChartSeries };
    /** The map the previous non-blank line belonged to: a map line after another map's lines starts a new print. */
    private lastMap?: string;
    private lastText = '';
    /** Keys seen in the current print of `lastMap`. */
    private readonly keysInPrint = new Set<string>();
    private stapCount = 0;

    constructor(private readonly tool: RunTool, private readonly json = false) {}

    /**
     * Could this chunk of stdout hold chart lines? A cheap test on the raw text, so a flood of plain output is not
     * split into lines at all.
     */
    interested(chunk: string): boolean {
        if (this.current) return true;
        if (this.json) return /"type": ?"(?:map|hist|stats)"/.test(chunk);
        if (this.tool === 'bpftrace') return chunk.includes('@');
        return chunk.includes('|');
    }

    /** Feed one line of stdout. */
    push(line: string): void {
        if (line.length > 4096) return; // a flood line is never a chart row
        if (this.json) this.pushJson(line);
        else if (this.tool === 'bpftrace') this.pushBpftraceText(line);
        else this.pushStapText(line);
    }

    snapshot(): ChartModel {
        return { maps: [...this.maps.values()].map(m => structuredClone(m)) };
    }

    private mapFor(name: string, kind: ChartMap['kind'], fresh: boolean): ChartMap {
        let map = this.maps.get(name);
        if (!map || fresh || map.kind !== kind) {
            map = { name, kind, series: [], values: [] };
            this.maps.set(name, map);
        }
        return map;
    }

    private pushBpftraceText(line: string): void {
        const text = line.trimEnd();
        if (this.current?.series) {
            const b = BT_BUCKET.exec(text);
            if (b) {
                const low = /^\[(-?\d+[KMGTPE]?)/.exec(b[1]);
                this.current.series.buckets.push({ label: b[1], low: low ? parseScaled(low[1]) : undefined, count: Number(b[2]) });
                this.version++;
                return;
            }
            this.current = undefined;
        }
        if (text === '') return;
        const m = BT_MAP_LINE.exec(text);
        if (!m) {
            this.lastMap = undefined;
            this.keysInPrint.clear();
            return;
        }
        const [, name, key, rest] = m;
        // A new print of the map: after another map's lines, or when a key repeats (print(@x) in an interval).
        const fresh = this.lastMap !== name || this.keysInPrint.has(key ?? '');
        if (fresh) this.keysInPrint.clear();
        this.keysInPrint.add(key ?? '');
        this.lastMap = name;
        const value = (rest ?? '').trim();
        if (value === '') {
            const map = this.mapFor(name, 'histogram', fresh);
            const series: ChartSeries = { key, buckets: [] };
            map.series.push(series);
            this.current = { map, series };
        } else {
            const map = this.mapFor(name, 'values', fresh);
            const n = Number(value);
            map.values.push({ key: key ?? '', value: Number.isFinite(n) && value !== '' ? n : value });
        }
        this.version++;
    }

    private pushStapText(line: string): void {
        const text = line.trimEnd();
        if (STAP_HEADER.test(text)) {
            const title = this.lastText && this.lastText.length <= 80 ? this.lastText.replace(/:\s*$/, '') : `histogram ${++this.stapCount}`;
            const map = this.mapFor(title, 'histogram', true);
            const series: ChartSeries = { buckets: [] };
            map.series.push(series);
            this.current = { map, series };
            this.version++;
            return;
        }
        if (this.current?.series) {
            const row = STAP_ROW.exec(text);
            if (row) {
                this.current.series.buckets.push({ label: row[1], low: Number(row[1]), count: Number(row[2]) });
                this.version++;
                return;
            }
            if (text.trim() === '~') return; // elided empty buckets
            this.current = undefined;
        }
        if (text.trim() !== '') this.lastText = text.trim();
    }

    private pushJson(line: string): void {
        if (!line.startsWith('{')) return;
        let obj: { type?: string; data?: Record<string, unknown> };
        try {
            obj = JSON.parse(line);
        } catch {
            return;
        }
        if (!obj.data || typeof obj.data !== 'object') return;
        for (const [name, data] of Object.entries(obj.data)) {
            if (obj.type === 'hist') {
                const map = this.mapFor(name, 'histogram', true);
                if (Array.isArray(data)) map.series.push({ buckets: jsonBuckets(data) });
                else if (data && typeof data === 'object') {
                    for (const [key, b] of Object.entries(data)) map.series.push({ key, buckets: jsonBuckets(b as unknown[]) });
                }
            } else if (obj.type === 'map' || obj.type === 'stats') {
                const map = this.mapFor(name, 'values', true);
                if (data !== null && typeof data === 'object' && !isStats(data)) {
                    for (const [key, v] of Object.entries(data)) map.values.push({ key, value: jsonValue(v) });
                } else {
                    map.values.push({ key: '', value: jsonValue(data) });
                }
            } else {
                continue;
            }
            this.version++;
        }
    }
}

function isStats(v: object): boolean {
    return 'count' in v && 'average' in v && 'total' in v;
}

function jsonValue(v: unknown): number | string {
    if (typeof v === 'number') return v;
    if (v && typeof v === 'object' && isStats(v)) {
        const s = v as { count: number; average: number; total: number };
        return `count ${s.count}, average ${s.average}, total ${s.total}`;
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
}

function jsonBuckets(list: unknown[]): ChartBucket[] {
    if (!Array.isArray(list)) return [];
    return list.map(raw => {
        const b = raw as { min?: number; max?: number; count: number };
        const label = b.min === undefined ? `(..., ${b.max! + 1})` : b.max === undefined ? `[${b.min}, ...)` : b.min === b.max ? `[${b.min}]` : `[${b.min}, ${b.max! + 1})`;
        return { label, low: b.min, count: b.count };
    });
}
