/**
 * Operations on single values of a known type: ordering (the canonical key
 * order of stored tables), text rendering (CSV export, human output), JSON
 * rendering (--json output, JSON Lines export) and parsing text under a
 * declared type (CSV import, --types).
 */
import { FvError } from '../errors/FvError.js';
import type { Json } from './canonical-json.js';
import { compareCodePoints, RawJson } from './canonical-json.js';
import { formatDate, formatTimestamp, nanosToUnit, parseDate, parseTimestamp } from './temporal.js';
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

/** Parses one text cell under a declared type; throws TYPE_ERROR (the caller adds file and line). */
export function parseValueAs(text: string, t: FvType): Value {
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
