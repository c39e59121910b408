// Run by systemtap-deep-nesting.test.ts in a Node started with a larger stack: parses each
// `shape:depth` of the arguments and prints the error messages of each, as JSON.
import { checkStap, stapServices } from './systemtap-test-helpers.js';
import { NESTING_SHAPES } from './systemtap-nesting-shapes.js';

const services = await stapServices();
const out: Record<string, string[]> = {};
for (const arg of process.argv.slice(2)) {
    const [shape, depth] = arg.split(':');
    out[arg] = (await checkStap(services, NESTING_SHAPES[shape](Number(depth)))).errors.map(e => e.message);
}
process.stdout.write(JSON.stringify(out));
