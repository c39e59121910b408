/**
 * The format strings of `printf` and `sprintf`, as stap 4.8 reads them while it parses (its
 * `print_format::string_to_components`): a script whose format it cannot read fails pass 1, at the token after the
 * literal. C's `%llu`, `%hd`, `%zu` or `%n` are common ways to get there. Measured with stap 4.8 -p1:
 * - a conversion is `%`, at most one flag of `0 + - space #`, a width (`*` or digits), a precision (`.` then `*` or
 *   digits, or nothing), at most one `l`, then one of `b c s m M d i u o x X p`;
 * - `%%` is a `%`; a `%` at the very end is no conversion;
 * - a conversion cut short by the end after a flag, width or precision is "incomplete" (`%5`, `%-`, `%.5`), one cut
 *   short after `%`, `%.` or `%l` is nothing.
 */

/** What stap reads of a string literal's text (the token's image with its quotes): escapes as its lexer keeps them. */
export function stapStringValue(image: string): string {
    const body = image.length >= 2 && image.endsWith('"') ? image.slice(1, -1) : image.slice(1);
    if (!body.includes('\\')) return body;
    let out = '';
    for (let i = 0; i < body.length; i++) {
        const c = body[i];
        if (c !== '\\' || i + 1 >= body.length) {
            out += c;
            continue;
        }
        const next = body[++i];
        // C's escapes stay escapes (they go into a C literal); any other escaped character is itself.
        out += 'abtnvfrx01234567\\'.includes(next) ? '\\' + next : next;
    }
    return out;
}

const FLAGS = '0+- #';
const CONVERSIONS = 'bcsmMdiuoxXp';

function isDigit(c: string | undefined): boolean {
    return c !== undefined && c >= '0' && c <= '9';
}

/** The index after a width or precision at `i` (`*` or digits); `i` when there is none. */
function countEnd(format: string, i: number): number {
    if (format[i] === '*') return i + 1;
    while (isDigit(format[i])) i++;
    return i;
}

/** stap's complaint about a format string's value, if it has one, with the conversion it is about. */
export function printFormatProblem(format: string): { message: string; conversion: string } | undefined {
    const n = format.length;
    let i = 0;
    while (i < n) {
        if (format[i] !== '%') {
            i++;
            continue;
        }
        if (format[i + 1] === '%') {
            i += 2;
            continue;
        }
        const start = i;
        const invalid = () => ({ message: 'invalid or missing conversion specifier', conversion: format.slice(start, i + 1) });
        i++;
        if (i === n) return invalid();
        // Whether the conversion has anything yet that makes it incomplete at the end: a flag, a width, a precision.
        let started = false;
        if (FLAGS.includes(format[i])) {
            started = true;
            i++;
        }
        let after = countEnd(format, i);
        started ||= after > i;
        i = after;
        if (format[i] === '.') {
            after = countEnd(format, ++i);
            started ||= after > i;
            i = after;
        }
        if (format[i] === 'l') i++;
        if (i >= n) return started ? { message: 'trailing incomplete print format conversion', conversion: format.slice(start) } : undefined;
        if (!CONVERSIONS.includes(format[i])) return invalid();
        i++;
    }
    return undefined;
}
