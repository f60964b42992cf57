/**
 * Canonical JSON as fv writes it to disk: object keys sorted by code point,
 * 2-space indent, trailing newline, and bigints written as exact number
 * literals (JSON numbers have no size limit; JSON.stringify would throw).
 * The same value always gives the same bytes, so manifests and lock files
 * hash stably and diff cleanly in git.
 */
/** A pre-rendered JSON number literal (exact decimals). */
export class RawJson {
  constructor(readonly text: string) {}
}

export type Json = null | boolean | number | bigint | string | RawJson | Json[] | { [key: string]: Json | undefined };

export function canonicalJson(value: Json): string {
  return write(value, '') + '\n';
}

/** The same rules without whitespace: for hashing and one-line output. */
export function compactJson(value: Json): string {
  return write(value, null);
}

function write(v: Json | undefined, indent: string | null): string {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`canonicalJson: non-finite number ${v}`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof RawJson) return v.text;
  const inner = indent === null ? null : indent + '  ';
  const nl = indent === null ? '' : '\n';
  const sep = indent === null ? ':' : ': ';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const items = v.map((x) => (inner ?? '') + write(x, inner));
    return '[' + nl + items.join(',' + nl) + nl + (indent ?? '') + ']';
  }
  const keys = Object.keys(v).filter((k) => v[k] !== undefined).sort(compareCodePoints);
  if (keys.length === 0) return '{}';
  const items = keys.map((k) => (inner ?? '') + JSON.stringify(k) + sep + write(v[k], inner));
  return '{' + nl + items.join(',' + nl) + nl + (indent ?? '') + '}';
}

/**
 * Compares strings by Unicode code point, which is also UTF-8 byte order.
 * JS's `<` compares UTF-16 code units, which differs only when a surrogate
 * pair meets a character in U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}
