/**
 * One measurement of `npm run bench`: Probekit's figure beside the real tool's, measured in the same run on the
 * same machine. The ratio is what the targets speak of.
 */
export interface BenchRow {
    name: string;
    probekit: number;
    /** The real tool's figure for the same work, when there is one. */
    reference?: number;
    unit: string;
    /** Target ratio (probekit / reference) or absolute bound, for the report only. */
    target?: string;
    note?: string;
}
