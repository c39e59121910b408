/**
 * JSON text in ASCII: every other character as a `\\uXXXX` escape (a pair of them for one beyond the BMP). Stored
 * JSON in ASCII reads as latin1, without UTF-8 decoding, and its lengths in characters are its lengths in bytes.
 */
export function asciiText(json: string): string {
    return /[^\x00-\x7f]/.test(json) ? json.replace(/[^\x00-\x7f]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}
