/**
 * The one place where offsets are converted (STYLE.md §9).
 *
 * libpg-query reports UTF-8 byte offsets (tokens, node `location`s) and code-point offsets
 * (error `cursorPosition`); LSP and our JSON output speak UTF-16 line/character. Everything in
 * the engine is kept as UTF-16 offsets into the document text and turned into line/character
 * only when a finding or fact is emitted.
 */

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Maps UTF-8 byte offsets (and code-point offsets) of `text` to UTF-16 offsets. */
export class OffsetMap {
  /** Non-ASCII characters in order: their UTF-8 byte offset, UTF-16 offset and code-point index. */
  private readonly bytes: number[] = [];
  private readonly utf16: number[] = [];
  private readonly points: number[] = [];
  private readonly utf8Len: number[] = [];
  private readonly utf16Len: number[] = [];

  constructor(readonly text: string) {
    let byte = 0;
    let point = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        byte++;
        point++;
        continue;
      }
      let b: number;
      let u = 1;
      if (c < 0x800) b = 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          b = 4;
          u = 2;
        } else b = 3;
      } else b = 3;
      this.bytes.push(byte);
      this.utf16.push(i);
      this.points.push(point);
      this.utf8Len.push(b);
      this.utf16Len.push(u);
      byte += b;
      point++;
      i += u - 1;
    }
  }

  /** UTF-16 offset of a UTF-8 byte offset. A byte inside a character maps to that character. */
  fromUtf8(byteOffset: number): number {
    return this.convert(byteOffset, this.bytes, (i) => this.utf8Len[i]);
  }

  /** UTF-16 offset of a code-point offset (libpg-query's `cursorPosition`). */
  fromCodePoint(pointOffset: number): number {
    return this.convert(pointOffset, this.points, () => 1);
  }

  private convert(offset: number, starts: number[], width: (i: number) => number): number {
    // Last non-ASCII character starting at or before `offset`.
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return offset;
    const inside = offset - starts[found];
    if (inside < width(found)) return this.utf16[found];
    return this.utf16[found] + this.utf16Len[found] + (inside - width(found));
  }
}

/** Maps UTF-16 offsets of a text to LSP line/character positions and back. */
export class LineMap {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.lineStarts.push(i + 1);
      }
    }
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.lineStarts[lo] };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  /** UTF-16 offsets of a line, from its first character to the start of the next line (or the end of the text). */
  lineSpan(line: number): { start: number; end: number } {
    if (line >= this.lineStarts.length) return { start: this.text.length, end: this.text.length };
    return { start: this.lineStarts[Math.max(0, line)], end: line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length };
  }

  offset(position: Position): number {
    const line = Math.max(0, Math.min(position.line, this.lineStarts.length - 1));
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
    return Math.min(this.lineStarts[line] + Math.max(0, position.character), next);
  }
}
