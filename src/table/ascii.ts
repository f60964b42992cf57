/**
 * Bridges between strings and the byte-level parsers of values (values.ts,
 * temporal.ts, infer.ts). CSV import runs those parsers on the file's bytes
 * (no string per cell); everything else has strings, and goes through
 * asciiBytes so that each grammar has one implementation.
 */

let scratch = new Uint8Array(64);

/**
 * `s` as one byte per UTF-16 unit in a reused buffer (valid until the next
 * call; the first s.length bytes count), non-ASCII units as 0xFF. Every
 * grammar the byte parsers accept is ASCII-only and checks each position,
 * so they accept these bytes exactly when they would accept `s`.
 */
export function asciiBytes(s: string): Uint8Array {
  const n = s.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const out = scratch;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    out[i] = c < 0x80 ? c : 0xff;
  }
  return out;
}

/** The text of bytes[a, b) when they are known to be ASCII (a number literal, say). */
export function asciiText(bytes: Uint8Array, a: number, b: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(a, b) as unknown as number[]);
}
