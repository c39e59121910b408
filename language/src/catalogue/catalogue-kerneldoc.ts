/**
 * Parses tapset kerneldoc blocks (systemtap-language.md §6): `/**` … `*\/`, first line
 * `sfunction|probe|smacro NAME - summary`, then `@arg: text` lines and `Heading: text` sections.
 */
import type { KernelDoc } from './catalogue-tapset-types.js';

const QUICK = /^\/\*\*[\s*]*(?:sfunction|probe|smacro)\s/;
const HEAD = /^(sfunction|probe|smacro)\s+([\w.*$]+)\s*(?:-\s*(.*))?$/;
const ARG = /^@([\w.$]+)\s*:\s*(.*)$/;
const SECTION = /^([%$&]?[A-Za-z][\w ]{0,40}):\s*(.*)$/;

/** `\s`, as a regular expression means it. */
function isSpace(c: number): boolean {
    return c === 32 || (c >= 9 && c <= 13) || (c >= 128 && /\s/.test(String.fromCharCode(c)));
}

/**
 * A line of the block without its leading ` * ` (`/^\s*\*( |\t)?/`): up to the first `*` when only white space comes
 * before it, and one space or tab after it. By hand: the library's 716 blocks have some 20,000 lines.
 */
function withoutStar(line: string): string {
    let i = 0;
    while (i < line.length && isSpace(line.charCodeAt(i))) i++;
    if (line.charCodeAt(i) !== 42) return line;
    const c = line.charCodeAt(++i);
    return line.slice(c === 32 || c === 9 ? i + 1 : i);
}

/** Returns the parsed block, or undefined when the comment is not a tapset kerneldoc block. */
export function parseKernelDoc(comment: string): KernelDoc | undefined {
    if (!QUICK.test(comment.slice(0, 160))) return undefined;
    const body = comment.replace(/^\/\*\*/, '').replace(/\*\/$/, '');
    const lines = body.split('\n').map(l => withoutStar(l).trimEnd());
    let i = 0;
    while (i < lines.length && lines[i].trim() === '') i++;
    const head = HEAD.exec(lines[i]?.trim() ?? '');
    if (!head) return undefined;
    const doc: KernelDoc = { kind: head[1] as KernelDoc['kind'], name: head[2], summary: (head[3] ?? '').trim(), args: [], sections: [] };
    // The summary may wrap onto the following lines until a blank line or a tag.
    i++;
    while (i < lines.length && lines[i].trim() !== '' && !ARG.test(lines[i].trim()) && !SECTION.test(lines[i].trim())) {
        doc.summary += ' ' + lines[i].trim();
        i++;
    }
    let current: { text: string } | undefined;
    for (; i < lines.length; i++) {
        const line = lines[i].trim();
        const arg = ARG.exec(line);
        if (arg) {
            current = { name: arg[1], text: arg[2] } as { name: string; text: string };
            doc.args.push(current as { name: string; text: string });
            continue;
        }
        const section = SECTION.exec(line);
        if (section && !line.startsWith('http')) {
            current = { heading: section[1].trim(), text: section[2] } as { heading: string; text: string };
            doc.sections.push(current as { heading: string; text: string });
            continue;
        }
        if (!current) {
            if (line === '') continue;
            current = { heading: 'Description', text: '' } as { heading: string; text: string };
            doc.sections.push(current as { heading: string; text: string });
        }
        current.text = current.text ? `${current.text}\n${line}` : line;
    }
    for (const part of [...doc.args, ...doc.sections]) part.text = part.text.replace(/\n+$/, '').replace(/^\n+/, '');
    return doc;
}
