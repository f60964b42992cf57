/**
 * Operations on single values of a known type: ordering (the canonical key
 * order of stored tables), text rendering (CSV export, human output), JSON
 * rendering (--json output, JSON Lines export) and parsing text under a
 * declared type (CSV import, --types).
 */
import { FvError } from '../errors/FvError.js';
import type { Json } from './canonical-json.js';
import { compareCodePoints, RawJson } from './canonical-json.js';
import { asciiBytes } from './ascii.js';
import { formatDate, formatTimestamp, nanosToUnit, parseDate, parseTimestamp, scanTimestamp, scanTimestampBytes, TimestampParts } from './temporal.js';
import type { FvType, Value } from './types.js';
import { typeToString } from './types.js';

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], uint8: [0n, 255n], uint16: [0n, 65535n],
  uint32: [0n, 4294967295n], uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Total order on values of one type; null sorts first. Floats: -Inf < ... <
 * +Inf < NaN (NaN equal to itself), so sorting is deterministic. Strings by
 * code point (= UTF-8 byte order), binary by bytes.
 */
export function compareValues(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a < b ? -1 : a > b ? 1 : Object.is(a, -0) && b === 0 ? -1 : Object.is(b, -0) && a === 0 ? 1 : 0;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  throw new Error(`compareValues: mismatched value kinds ${typeof a} and ${typeof b}`);
}

export function valuesEqual(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

function formatFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0.0';
  const s = String(x);
  // Keep a float recognisable as a float when it is read back (1 -> "1.0").
  return /^-?\d+$/.test(s) ? s + '.0' : s;
}

export function formatDecimal(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return (neg ? '-' : '') + digits.slice(0, -scale) + '.' + digits.slice(-scale);
}

/** Text form of a value (CSV export, tables printed for people). Null is the empty string. */
export function formatValue(v: Value, t: FvType): string {
  if (v === null) return '';
  switch (t.kind) {
    case 'float32':
    case 'float64':
      return formatFloat(v as number);
    case 'date32':
      return formatDate(v as number);
    case 'timestamp':
      return formatTimestamp(v as bigint, t.unit, t.tz);
    case 'decimal':
      return formatDecimal(v as bigint, t.scale);
    case 'binary':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'bool':
      return v ? 'true' : 'false';
    default:
      return String(v);
  }
}

/**
 * JSON form of a value: integers as exact number literals (bigints too),
 * floats as numbers (non-finite as strings), dates and timestamps as ISO
 * strings, decimals as exact number literals, binary as base64.
 */
export function valueToJson(v: Value, t: FvType): Json {
  if (v === null) return null;
  switch (t.kind) {
    case 'float32':
    case 'float64':
      return Number.isFinite(v as number) ? (v as number) : formatFloat(v as number);
    case 'date32':
    case 'timestamp':
    case 'binary':
      return formatValue(v, t);
    case 'decimal':
      return new RawJson(formatDecimal(v as bigint, t.scale));
    default:
      return v as Json;
  }
}

function typeError(text: string, t: FvType): FvError {
  return new FvError('TYPE_ERROR', `cannot parse ${JSON.stringify(text.length > 60 ? text.slice(0, 57) + '...' : text)} as ${typeToString(t)}`);
}

// Fast paths for parseValueAs. Import converts every cell of a file through
// it, and the regexes, BigInt(string) and BigInt nanosecond arithmetic of the
// general paths dominated the profile. Each fast path accepts only input the
// general path accepts, returns the identical value, and hands everything
// else (including every error) to the general path.

/** Smallest and largest value of each number-typed integer kind (exact as numbers). */
const SMALL_INT_RANGES: Record<string, [number, number]> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295],
  int64: [-Infinity, Infinity], uint64: [0, Infinity],
};

/**
 * `[+-]?\d{1,15}` in bytes[a, end) as a number (15 digits are always exact
 * and within int64), or NaN for anything else. "-0" gives +0, as BigInt("-0") does.
 */
export function smallIntBytes(bytes: Uint8Array, a: number, end: number): number {
  let i = a;
  const c0 = bytes[a];
  if (c0 === 45 || c0 === 43) i++;
  if (end - i < 1 || end - i > 15) return NaN;
  let v = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    v = v * 10 + d;
  }
  return c0 === 45 ? 0 - v : v;
}

function smallInt(text: string): number {
  return text.length > 16 ? NaN : smallIntBytes(asciiBytes(text), 0, text.length);
}

/**
 * Whether every character is one of `0-9 . + - e E` (and there is one). For
 * such strings Number() is NaN exactly when the general float regex rejects
 * them (the StringNumericLiteral grammar restricted to these characters is
 * that regex; hex, "Infinity", separators and whitespace need other characters).
 */
function plainFloatChars(text: string): boolean {
  const n = text.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69)) return false;
  }
  return true;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `-?\d+(\.\d+)?` with at most 15 digits in all, in bytes[a, end), as a
 * float64; NaN for anything else. Exact (Clinger's fast path): the digits
 * form an integer below 2^53 and 10^k (k <= 15) is exact, so the one IEEE
 * division rounds correctly, giving what Number() gives, without its string scan.
 */
export function smallDecimalBytes(bytes: Uint8Array, a: number, end: number): number {
  const neg = bytes[a] === 45;
  let m = 0;
  let digits = 0;
  let frac = -1; // digits after the point; -1: no point yet
  for (let i = neg ? a + 1 : a; i < end; i++) {
    const c = bytes[i]!;
    if (c === 46) {
      if (frac >= 0) return NaN;
      frac = 0;
      continue;
    }
    const d = c - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    m = m * 10 + d;
    digits++;
    if (frac >= 0) frac++;
  }
  if (digits === 0 || digits > 15 || frac === 0) return NaN;
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/** Longest text smallDecimalBytes accepts: a sign, 15 digits and a point. */
const SMALL_DECIMAL_MAX_LENGTH = 17;

function smallDecimal(text: string): number {
  return text.length > SMALL_DECIMAL_MAX_LENGTH ? NaN : smallDecimalBytes(asciiBytes(text), 0, text.length);
}

const TS_PARTS = new TimestampParts();

/** The timestamp in `unit` from parts, or null when the general path must decide (precision, range). */
function timestampInUnit(p: TimestampParts, unit: string): bigint | null {
  const secs = p.epochSeconds();
  const frac = p.fracNanos;
  switch (unit) {
    case 's':
      return frac === 0 ? BigInt(secs) : null;
    case 'ms':
      // |secs| < 2^38 for four-digit years, so secs * 1000 is exact.
      return frac % 1000000 === 0 ? BigInt(secs * 1000 + frac / 1000000) : null;
    case 'us':
      return frac % 1000 === 0 ? BigInt(secs) * 1000000n + BigInt(frac / 1000) : null;
    default:
      return null; // ns: the range check of the general path matters (1677..2262)
  }
}

/**
 * parseValueAs for an integer type, of the text in bytes[a, end), as a plain
 * number (int64/uint64 too; the caller stores it without a BigInt), or NaN
 * when the general path must decide.
 */
export function parseIntegerBytes(bytes: Uint8Array, a: number, end: number, kind: FvType['kind']): number {
  const v = smallIntBytes(bytes, a, end);
  if (v !== v) return NaN;
  const [lo, hi] = SMALL_INT_RANGES[kind]!;
  return v < lo || v > hi ? NaN : v;
}

/** parseValueAs for float32/float64 of the text in bytes[a, end), or NaN when the general path must decide. */
export function parseFloatBytes(bytes: Uint8Array, a: number, end: number, kind: FvType['kind']): number {
  const x = smallDecimalBytes(bytes, a, end);
  return kind === 'float32' ? Math.fround(x) : x;
}

/** parseValueAs for timestamp[s] / timestamp[ms] of the text in bytes[a, end) as a plain number, or NaN when the general path must decide. */
export function parseTimestampBytes(bytes: Uint8Array, a: number, end: number, unit: string): number {
  return scanTimestampBytes(bytes, a, end, TS_PARTS) ? timestampPartsToNumber(TS_PARTS, unit) : NaN;
}

/** The timestamp scanned into `p` in `unit` (s or ms) as a plain number, or NaN when the general path must decide. */
export function timestampPartsToNumber(p: TimestampParts, unit: string): number {
  const frac = p.fracNanos;
  if (unit === 's') return frac === 0 ? p.epochSeconds() : NaN;
  if (unit === 'ms') return frac % 1000000 === 0 ? p.epochSeconds() * 1000 + frac / 1000000 : NaN;
  return NaN;
}

/** parseValueAs's fast path; undefined: use the general path. */
function parseValueFast(text: string, t: FvType): Value | undefined {
  switch (t.kind) {
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32':
    case 'int64': case 'uint64': {
      const v = smallInt(text);
      if (v !== v) return undefined; // NaN
      const [lo, hi] = SMALL_INT_RANGES[t.kind]!;
      if (v < lo || v > hi) return undefined;
      return t.kind === 'int64' || t.kind === 'uint64' ? BigInt(v) : v;
    }
    case 'float32':
    case 'float64': {
      let x = smallDecimal(text);
      if (x !== x) {
        if (!plainFloatChars(text)) return undefined;
        x = Number(text);
      }
      if (x !== x) return undefined;
      return t.kind === 'float32' ? Math.fround(x) : x;
    }
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'timestamp':
      if (!scanTimestamp(text, TS_PARTS)) return undefined;
      return timestampInUnit(TS_PARTS, t.unit) ?? undefined;
    case 'utf8':
    case 'large_utf8':
      return text;
    default:
      return undefined;
  }
}

/** Parses one text cell under a declared type; throws TYPE_ERROR (the caller adds file and line). */
export function parseValueAs(text: string, t: FvType): Value {
  const fast = parseValueFast(text, t);
  if (fast !== undefined) return fast;
  switch (t.kind) {
    case 'int8': case 'int16': case 'int32': case 'uint8': case 'uint16': case 'uint32':
    case 'int64': case 'uint64': {
      if (!/^[+-]?\d+$/.test(text)) throw typeError(text, t);
      const b = BigInt(text);
      const [lo, hi] = INT_RANGES[t.kind]!;
      if (b < lo || b > hi) throw typeError(text, t);
      return t.kind === 'int64' || t.kind === 'uint64' ? b : Number(b);
    }
    case 'float32':
    case 'float64': {
      const s = text.trim();
      if (s === 'NaN' || s === 'nan') return NaN;
      if (/^[+]?(inf|Infinity)$/i.test(s)) return Infinity;
      if (/^-(inf|Infinity)$/i.test(s)) return -Infinity;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw typeError(text, t);
      const x = Number(s);
      return t.kind === 'float32' ? Math.fround(x) : x;
    }
    case 'bool': {
      const s = text.toLowerCase();
      if (s === 'true' || s === '1' || s === 't' || s === 'yes') return true;
      if (s === 'false' || s === '0' || s === 'f' || s === 'no') return false;
      throw typeError(text, t);
    }
    case 'utf8':
    case 'large_utf8':
      return text;
    case 'binary':
      return new Uint8Array(Buffer.from(text, 'base64'));
    case 'date32': {
      const d = parseDate(text);
      if (d === null) throw typeError(text, t);
      return d;
    }
    case 'timestamp': {
      const p = parseTimestamp(text) ?? (parseDate(text) !== null ? parseTimestamp(text + 'T00:00:00') : null);
      if (p === null) throw typeError(text, t);
      const v = nanosToUnit(p.nanos, t.unit);
      if (v === null) throw new FvError('TYPE_ERROR', `${JSON.stringify(text)} has more precision than ${typeToString(t)}`);
      // Stored as int64: out of range it would wrap around silently (9999-12-31 in ns read back as 1816).
      if (v < INT_RANGES.int64![0] || v > INT_RANGES.int64![1]) throw new FvError('TYPE_ERROR', `${JSON.stringify(text)} is out of range for ${typeToString(t)}`);
      return v;
    }
    case 'decimal': {
      const m = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text.trim());
      if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw typeError(text, t);
      const frac = m[3] ?? '';
      if (frac.length > t.scale && !/^0*$/.test(frac.slice(t.scale))) throw new FvError('TYPE_ERROR', `${JSON.stringify(text)} has more than ${t.scale} decimal places for ${typeToString(t)}`);
      const unscaled = BigInt((m[2] || '0') + frac.slice(0, t.scale).padEnd(t.scale, '0')) * (m[1] === '-' ? -1n : 1n);
      if ((unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(t.precision)) throw new FvError('TYPE_ERROR', `${JSON.stringify(text)} does not fit ${typeToString(t)}`);
      return unscaled;
    }
  }
}
