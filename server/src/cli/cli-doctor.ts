/** `probekit doctor`: what this machine offers and lacks for SystemTap and bpftrace, with fixes. */
import { diagnose, gatherDoctorFacts, type Finding } from '../catalogue/catalogue-doctor.js';
import { parseArgs, UsageError } from './cli-args.js';

export const DOCTOR_USAGE = 'usage: probekit doctor [--json]';

const MARK: Record<Finding['status'], string> = { ok: 'ok     ', missing: 'MISSING', warn: 'warn   ', info: 'info   ' };
const TITLE: Record<Finding['area'], string> = { machine: 'Machine', systemtap: 'SystemTap', bpftrace: 'bpftrace' };

/** Prints the findings; exit code 0 (a report, not a check). */
export async function runDoctor(argv: readonly string[], out: (s: string) => void, _err: (s: string) => void): Promise<number> {
    const args = parseArgs(argv, { flags: ['json', 'help'], values: [] });
    if (args.flags.has('help')) {
        out(DOCTOR_USAGE + '\n');
        return 0;
    }
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    const findings = diagnose(await gatherDoctorFacts());
    if (args.flags.has('json')) {
        out(JSON.stringify({ findings }) + '\n');
        return 0;
    }
    const lines: string[] = [];
    for (const area of ['machine', 'systemtap', 'bpftrace'] as const) {
        lines.push(`${TITLE[area]}:`);
        for (const f of findings.filter(x => x.area === area)) {
            lines.push(`  ${MARK[f.status]} ${f.what}: ${f.detail}`);
            if (f.fix) lines.push(`          fix: ${f.fix}`);
        }
    }
    out(lines.join('\n') + '\n');
    return 0;
}
