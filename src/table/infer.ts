/**
 * Safe type inference for text-based formats (CSV/TSV, JSON).
 *
 * The rule is "never change a value": a column is given a numeric, boolean
 * or temporal type only when every non-null cell parses under it and formats
 * back to the same value. So zip codes like `00501` (a leading zero), IDs
 * longer than int64, or a column mixing `12` and `12a` stay strings. Empty
 * CSV fields are null and do not vote.
 */
import { FvError } from '../errors/FvError.js';
import { offsetToTz, parseDate, parseTimestamp, unitForFractionDigits } from './temporal.js';
import type { FvType, TimeUnit, Value } from './types.js';
import { parseValueAs } from './values.js';

export type JsonCell = null | boolean | string | { num: string } | { nested: string };

const INT_RE = /^-?(0|[1-9]\d*)$/;
const FLOAT_RE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Tracks which types every cell seen so far still fits. */
class Candidates {
  int = true;
  float = true;
  bool = true;
  date = true;
  ts = true;
  maxFraction = 0;
  /** undefined: no zoned value yet; null: naive values seen; number: the one offset seen; 'mixed'. */
  offset: number | null | 'mixed' | undefined = undefined;
  sawValue = false;

  text(s: string): void {
    this.sawValue = true;
    if (this.int && !(INT_RE.test(s) && fitsInt64(s))) this.int = false;
    if (this.float && !(FLOAT_RE.test(s) || s === 'NaN' || s === 'Infinity' || s === '-Infinity')) this.float = false;
    // A digits-only value that overflows int64 is an identifier, not a float.
    if (this.float && /^-?\d+$/.test(s) && !fitsInt64(s)) this.float = false;
    if (this.bool && !isBoolText(s)) this.bool = false;
    if (this.date && parseDate(s) === null) this.date = false;
    if (this.ts) this.timestampText(s);
  }

  timestampText(s: string): void {
    const p = parseTimestamp(s);
    if (p === null) {
      this.ts = false;
      return;
    }
    this.maxFraction = Math.max(this.maxFraction, p.fractionDigits);
    const o = p.offsetMinutes;
    if (this.offset === undefined) this.offset = o;
    else if (this.offset !== 'mixed' && this.offset !== o) {
      // Naive and zoned values in one column are ambiguous: keep them as text.
      if (this.offset === null || o === null) this.ts = false;
      else this.offset = 'mixed';
    }
  }

  onlyString(): void {
    this.sawValue = true;
    this.int = this.float = this.bool = false;
  }

  result(): FvType {
    if (!this.sawValue) return { kind: 'utf8' };
    if (this.int) return { kind: 'int64' };
    if (this.float) return { kind: 'float64' };
    if (this.bool) return { kind: 'bool' };
    if (this.date) return { kind: 'date32' };
    if (this.ts) {
      const unit: TimeUnit = unitForFractionDigits(this.maxFraction);
      const tz = this.offset === undefined || this.offset === null ? null : this.offset === 'mixed' ? 'UTC' : offsetToTz(this.offset);
      return { kind: 'timestamp', unit, tz };
    }
    return { kind: 'utf8' };
  }
}

function fitsInt64(s: string): boolean {
  if (s.length < 19) return true;
  const b = BigInt(s);
  return b >= INT64_MIN && b <= INT64_MAX;
}

function isBoolText(s: string): boolean {
  const l = s.toLowerCase();
  return l === 'true' || l === 'false';
}

/** Infers the type of a column of CSV cells (null = empty field). */
export function inferTextColumn(cells: readonly (string | null)[]): FvType {
  const c = new Candidates();
  for (const s of cells) {
    if (s === null) continue;
    c.text(s);
    if (!c.int && !c.float && !c.bool && !c.date && !c.ts) return { kind: 'utf8' };
  }
  return c.result();
}

/** Infers the type of a column of JSON cells: JSON's own types decide, strings may be dates. */
export function inferJsonColumn(cells: readonly JsonCell[]): FvType {
  let ints = 0, floats = 0, bools = 0, strings = 0, other = 0;
  const temporal = new Candidates();
  temporal.int = temporal.float = temporal.bool = false;
  for (const v of cells) {
    if (v === null) continue;
    if (typeof v === 'boolean') bools++;
    else if (typeof v === 'string') {
      strings++;
      if (temporal.date || temporal.ts) {
        temporal.sawValue = true;
        if (temporal.date && parseDate(v) === null) temporal.date = false;
        if (temporal.ts) temporal.timestampText(v);
      }
    } else if ('num' in v) {
      if (INT_RE.test(v.num) && fitsInt64(v.num)) ints++;
      else floats++;
    } else other++;
  }
  const kinds = [ints + floats > 0, bools > 0, strings > 0, other > 0].filter(Boolean).length;
  if (kinds === 0 || kinds > 1 || other > 0) return { kind: 'utf8' };
  if (ints + floats > 0) return floats > 0 ? { kind: 'float64' } : { kind: 'int64' };
  if (bools > 0) return { kind: 'bool' };
  return temporal.result();
}

/** Converts a CSV cell to a value of `t`; throws TYPE_ERROR without location (the caller adds it). */
export function convertText(s: string | null, t: FvType): Value {
  if (s === null) return null;
  return parseValueAs(s, t);
}

/** Converts a JSON cell to a value of `t`. */
export function convertJson(v: JsonCell, t: FvType): Value {
  if (v === null) return null;
  const isText = t.kind === 'utf8' || t.kind === 'large_utf8';
  if (typeof v === 'string') return parseValueAs(v, t);
  if (typeof v === 'boolean') {
    if (t.kind === 'bool') return v;
    if (isText) return v ? 'true' : 'false';
    throw new FvError('TYPE_ERROR', `cannot use a boolean as ${t.kind}`);
  }
  if ('num' in v) return parseValueAs(v.num, t);
  if (isText) return v.nested;
  throw new FvError('TYPE_ERROR', `cannot use a nested JSON value as ${t.kind}`);
}
