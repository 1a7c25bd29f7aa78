// Turns a key prefix into the half-open range SQLite can answer from an index.
// SQLite's BINARY collation orders TEXT by UTF-8 bytes, which is code-point order.

/**
 * A value greater than every TEXT key: SQLite orders every BLOB after every TEXT value,
 * so it bounds an empty prefix (or one that cannot be incremented) without a second query shape.
 */
export const AFTER_ALL_TEXT: Buffer = Buffer.from([0xff]);

/**
 * The smallest string greater than every string that starts with `prefix`
 * (the last code point incremented), or AFTER_ALL_TEXT when there is none.
 */
export function prefixUpperBound(prefix: string): string | Buffer {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop() as string;
    let next = (last.codePointAt(0) as number) + 1;
    // Surrogate code points cannot appear in UTF-8 text; skip past them.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= 0x10ffff) return codePoints.join('') + String.fromCodePoint(next);
  }
  return AFTER_ALL_TEXT;
}
