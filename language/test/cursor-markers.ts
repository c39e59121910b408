/** Split `<|>` cursor markers out of a text: the clean text and the marker offsets. */
export function markers(text: string): { text: string; offsets: number[] } {
    const offsets: number[] = [];
    let clean = '';
    const parts = text.split('<|>');
    parts.forEach((p, i) => {
        clean += p;
        if (i < parts.length - 1) offsets.push(clean.length);
    });
    return { text: clean, offsets };
}

/** Offset of an LSP position in a text. */
export function offsetOf(text: string, pos: { line: number; character: number }): number {
    const lines = text.split('\n');
    let offset = 0;
    for (let i = 0; i < pos.line; i++) offset += lines[i].length + 1;
    return offset + pos.character;
}
