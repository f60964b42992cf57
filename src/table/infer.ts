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
import { asciiBytes, asciiText } from './ascii.js';
import { offsetToTz, parseDate, parseDateBytes, scanTimestamp, scanTimestampBytes, TimestampParts, unitForFractionDigits } from './temporal.js';
import type { FvType, TimeUnit, Value } from './types.js';
import { TIME_UNITS_PER_SECOND } from './types.js';
import { parseValueAs } from './values.js';

export type JsonCell = null | boolean | string | { num: string } | { nested: string };

const INT_RE = /^-?(0|[1-9]\d*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Shapes of a number literal, found by one character scan (numberShape)
// instead of four regexes per cell: inference looks at every cell of a file.
/** /^-?(0|[1-9]\d*)$/ */
const SHAPE_INT = 1;
/** /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/ */
const SHAPE_FLOAT = 2;
/** /^-?\d+$/ */
const SHAPE_DIGITS = 4;
/** /^-?\d+(\.\d+)?$/ */
const SHAPE_PLAIN = 8;
/** Has a decimal point (with SHAPE_PLAIN: a fraction part). */
const SHAPE_POINT = 16;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Which of the SHAPE_* patterns bytes[a, n) match (a bit set). */
function numberShapeBytes(bytes: Uint8Array, a: number, n: number): number {
  let i = bytes[a] === 45 ? a + 1 : a;
  const intStart = i;
  while (i < n && isDigit(bytes[i]!)) i++;
  if (i === intStart) return 0;
  const canonical = i - intStart === 1 || bytes[intStart] !== 48;
  if (i === n) return SHAPE_DIGITS | SHAPE_PLAIN | (canonical ? SHAPE_INT | SHAPE_FLOAT : 0);
  if (bytes[i] === 46) {
    const fracStart = ++i;
    while (i < n && isDigit(bytes[i]!)) i++;
    if (i === fracStart) return 0;
    if (i === n) return SHAPE_PLAIN | SHAPE_POINT | (canonical ? SHAPE_FLOAT : 0);
  }
  const e = bytes[i];
  if (e !== 101 && e !== 69) return 0;
  i++;
  const sign = bytes[i];
  if (i < n && (sign === 43 || sign === 45)) i++;
  const expStart = i;
  while (i < n && isDigit(bytes[i]!)) i++;
  return i === expStart || i !== n || !canonical ? 0 : SHAPE_FLOAT;
}

/** Which of the SHAPE_* patterns `s` matches (a bit set). */
export function numberShape(s: string): number {
  return numberShapeBytes(asciiBytes(s), 0, s.length);
}

/** Whether bytes[a, n) spell one of the non-finite float literals `NaN`, `Infinity`, `-Infinity`. */
function isNonFiniteText(bytes: Uint8Array, a: number, n: number): boolean {
  return bytesEqual(bytes, a, n, NAN_BYTES) || bytesEqual(bytes, a, n, INF_BYTES) || bytesEqual(bytes, a, n, NEG_INF_BYTES);
}

const NAN_BYTES = new TextEncoder().encode('NaN');
const INF_BYTES = new TextEncoder().encode('Infinity');
const NEG_INF_BYTES = new TextEncoder().encode('-Infinity');

function bytesEqual(bytes: Uint8Array, a: number, n: number, word: Uint8Array): boolean {
  if (n - a !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (bytes[a + k] !== word[k]) return false;
  return true;
}

/** Tracks which types every cell seen so far still fits. */
class Candidates {
  int = true;
  float = true;
  bool = true;
  date = true;
  ts = true;
  maxFraction = 0;
  /**
   * Smallest and largest timestamp seen (for the range check of the unit), as
   * epoch seconds and nanoseconds of the second: plain numbers, no BigInt per cell.
   */
  private seen = false;
  private minSecs = 0;
  private minFrac = 0;
  private maxSecs = 0;
  private maxFrac = 0;
  private readonly parts = new TimestampParts();
  /** undefined: no zoned value yet; null: naive values seen; number: the one offset seen; 'mixed'. */
  offset: number | null | 'mixed' | undefined = undefined;
  sawValue = false;

  /** Narrows the candidates by one non-null cell, the UTF-8 text in bytes[a, n). */
  bytes(bytes: Uint8Array, a: number, n: number): void {
    this.sawValue = true;
    const shape = this.int || this.float ? numberShapeBytes(bytes, a, n) : 0;
    if (this.int && !((shape & SHAPE_INT) !== 0 && fitsInt64(bytes, a, n))) this.int = false;
    if (this.float && !((shape & SHAPE_FLOAT) !== 0 || isNonFiniteText(bytes, a, n))) this.float = false;
    // A digits-only value that overflows int64 is an identifier, not a float.
    if (this.float && (shape & SHAPE_DIGITS) !== 0 && !fitsInt64(bytes, a, n)) this.float = false;
    // "Never change a value": 9007199254740993 or 0.10000000000000000001 would be rounded by float64.
    if (this.float && !floatBytesAreExact(bytes, a, n, shape)) this.float = false;
    if (this.bool && !isBoolText(bytes, a, n)) this.bool = false;
    if (this.date && parseDateBytes(bytes, a, n) === null) this.date = false;
    if (this.ts) this.timestamp(scanTimestampBytes(bytes, a, n, this.parts) ? this.parts : null);
  }

  timestampText(s: string): void {
    this.timestamp(scanTimestamp(s, this.parts) ? this.parts : null);
  }

  /** Narrows the timestamp candidate by a cell that scanned into `p`, or did not (null). */
  timestamp(p: TimestampParts | null): void {
    if (p === null) {
      this.ts = false;
      return;
    }
    if (p.fractionDigits > this.maxFraction) this.maxFraction = p.fractionDigits;
    const secs = p.epochSeconds();
    const frac = p.fracNanos;
    if (!this.seen || secs < this.minSecs || (secs === this.minSecs && frac < this.minFrac)) (this.minSecs = secs), (this.minFrac = frac);
    if (!this.seen || secs > this.maxSecs || (secs === this.maxSecs && frac > this.maxFrac)) (this.maxSecs = secs), (this.maxFrac = frac);
    this.seen = true;
    const o = p.offsetMinutes;
    if (this.offset === undefined) this.offset = o;
    else if (this.offset !== 'mixed' && this.offset !== o) {
      // Naive and zoned values in one column are ambiguous: keep them as text.
      if (this.offset === null || o === null) this.ts = false;
      else this.offset = 'mixed';
    }
  }

  /** No candidate but text is left. */
  none(): boolean {
    return !this.int && !this.float && !this.bool && !this.date && !this.ts;
  }

  result(): FvType {
    if (!this.sawValue) return { kind: 'utf8' };
    if (this.int) return { kind: 'int64' };
    if (this.float) return { kind: 'float64' };
    if (this.bool) return { kind: 'bool' };
    if (this.date) return { kind: 'date32' };
    if (this.ts) {
      const unit: TimeUnit = unitForFractionDigits(this.maxFraction);
      // A value outside the unit's int64 range (ns covers only 1677..2262) would wrap around when
      // stored: keep such a column as text rather than change a value.
      const per = 1000000000n / TIME_UNITS_PER_SECOND[unit];
      const minNanos = BigInt(this.minSecs) * 1000000000n + BigInt(this.minFrac);
      const maxNanos = BigInt(this.maxSecs) * 1000000000n + BigInt(this.maxFrac);
      if (this.seen && (minNanos / per < INT64_MIN || maxNanos / per > INT64_MAX)) return { kind: 'utf8' };
      const tz = this.offset === undefined || this.offset === null ? null : this.offset === 'mixed' ? 'UTC' : offsetToTz(this.offset);
      return { kind: 'timestamp', unit, tz };
    }
    return { kind: 'utf8' };
  }
}

/** Sign, significant digits and exponent of a decimal literal: "-1.50e2" -> ["-", "15", 1]; zero -> ["", "0", 0]. */
function decimalParts(s: string): [string, string, number] | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return null;
  const frac = m[3] ?? '';
  let digits = (m[2]! + frac).replace(/^0+/, '');
  if (digits === '') return ['', '0', 0];
  let exp = Number(m[4] ?? 0) - frac.length;
  const t = digits.replace(/0+$/, '');
  exp += digits.length - t.length;
  digits = t;
  return [m[1] === '-' ? '-' : '', digits, exp];
}

/**
 * Whether reading the decimal text `s` as a float64 keeps its value, i.e. the
 * float's shortest round-trip text is the same number (NaN and the infinities
 * written out are exact). Fixes inference silently rounding 9007199254740993
 * (in a column with 1.5) or 1e400 (to Infinity) when a column became float64.
 */
export function floatIsExact(s: string): boolean {
  const shape = numberShape(s);
  return fewPlainDigits(s.length, s.charCodeAt(0) === 45, shape) || floatIsExactShaped(s, shape);
}

/**
 * floatIsExact's fast path: any plain decimal with at most 15 significant
 * digits survives a float64 round trip (DBL_DIG = 15), which covers almost
 * every real value.
 */
function fewPlainDigits(length: number, negative: boolean, shape: number): boolean {
  return length <= 17 && (shape & SHAPE_PLAIN) !== 0 && length - (negative ? 1 : 0) - ((shape & SHAPE_POINT) !== 0 ? 1 : 0) <= 15;
}

/** floatIsExact, given numberShape(s). */
function floatIsExactShaped(s: string, shape: number): boolean {
  if (s === 'NaN' || s === 'Infinity' || s === '-Infinity') return true;
  const x = Number(s);
  if (!Number.isFinite(x)) return false;
  const a = decimalParts(s);
  const b = decimalParts(String(x));
  if (a === null || b === null) return false;
  if (x === 0) return a[1] === '0'; // -0.0 stays -0 (Number keeps the sign)
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

/** floatIsExact for the text in bytes[a, n), given its shape (a number literal or a non-finite word: ASCII). */
function floatBytesAreExact(bytes: Uint8Array, a: number, n: number, shape: number): boolean {
  return fewPlainDigits(n - a, bytes[a] === 45, shape) || floatIsExactShaped(asciiText(bytes, a, n), shape);
}

/** Whether the integer literal in bytes[a, n) (ASCII digits) fits int64. */
function fitsInt64(bytes: Uint8Array, a: number, n: number): boolean {
  if (n - a < 19) return true;
  return fitsInt64Text(asciiText(bytes, a, n));
}

function fitsInt64Text(s: string): boolean {
  if (s.length < 19) return true;
  const b = BigInt(s);
  return b >= INT64_MIN && b <= INT64_MAX;
}

/** Whether bytes[a, n) are `true` or `false` in any case (no other character lower-cases to these letters). */
function isBoolText(bytes: Uint8Array, a: number, n: number): boolean {
  const word = n - a === 4 ? TRUE_BYTES : n - a === 5 ? FALSE_BYTES : null;
  if (word === null) return false;
  for (let k = 0; k < word.length; k++) if ((bytes[a + k]! | 0x20) !== word[k]) return false;
  return true;
}

const TRUE_BYTES = new TextEncoder().encode('true');
const FALSE_BYTES = new TextEncoder().encode('false');

const UTF8 = new TextEncoder();

// The candidate types a column still fits, as bits (TextInference.open()).
export const CANDIDATE_INT = 1;
export const CANDIDATE_FLOAT = 2;
export const CANDIDATE_BOOL = 4;
export const CANDIDATE_DATE = 8;
export const CANDIDATE_TS = 16;

/**
 * Whether bytes[a, b) begin as a number literal inference accepts: an
 * optional `-`, then a digit that is not a leading zero (a `0` must end the
 * text or be followed by the point). With the rest being digits (and at most
 * one point with digits after it, at most 15 digits in all), as
 * smallIntBytes / smallDecimalBytes check, the cell matches SHAPE_INT or
 * SHAPE_FLOAT and passes every int/float check of Candidates.bytes: such a
 * cell leaves a column whose open candidates are among int and float as it
 * was, so a CSV sink that parsed it need not show it to inference
 * (csv-sinks.ts).
 */
export function canonicalNumberStart(bytes: Uint8Array, a: number, b: number): boolean {
  const i = bytes[a] === 45 ? a + 1 : a;
  if (i >= b) return false;
  const d = bytes[i]!;
  if (d === 48) return i + 1 === b || bytes[i + 1] === 46;
  return d >= 49 && d <= 57;
}

/** Streaming inference for one column of CSV cells (null = empty field). */
export class TextInference {
  private c = new Candidates();
  /** No type but text is left: later cells need not be looked at. */
  done = false;

  add(s: string | null): void {
    if (s === null || this.done) return;
    const b = UTF8.encode(s);
    this.addBytes(b, 0, b.length);
  }

  /** add() for a non-null cell given as its UTF-8 text bytes[a, n). */
  addBytes(bytes: Uint8Array, a: number, n: number): void {
    if (this.done) return;
    const c = this.c;
    c.bytes(bytes, a, n);
    this.done = c.none();
  }

  /** The candidates still open (CANDIDATE_* bits); 0 once done. */
  open(): number {
    if (this.done) return 0;
    const c = this.c;
    return (c.int ? CANDIDATE_INT : 0) | (c.float ? CANDIDATE_FLOAT : 0) | (c.bool ? CANDIDATE_BOOL : 0) | (c.date ? CANDIDATE_DATE : 0) | (c.ts ? CANDIDATE_TS : 0);
  }

  /**
   * addBytes() for a cell that scanTimestampBytes read into `p`, while the
   * timestamp is the only open candidate (as for a column guessed to be
   * timestamps): then that is all addBytes would look at, so a CSV sink that
   * scanned the cell to convert it need not scan it again.
   */
  addScannedTimestamp(p: TimestampParts): void {
    if (this.done) return;
    const c = this.c;
    c.sawValue = true;
    c.timestamp(p);
    this.done = c.none();
  }

  result(): FvType {
    return this.done ? { kind: 'utf8' } : this.c.result();
  }
}

/** Streaming inference for one column of JSON cells: JSON's own types decide, strings may be dates. */
export class JsonInference {
  private ints = 0;
  private floats = 0;
  private bools = 0;
  private strings = 0;
  private other = 0;
  /** Strings "NaN", "Infinity", "-Infinity": how fv's JSON export writes non-finite floats (JSON has no such numbers). */
  private nonFinite = 0;
  /** A number that float64 would round (see floatIsExact). */
  private inexact = false;
  private temporal = new Candidates();

  constructor() {
    this.temporal.int = this.temporal.float = this.temporal.bool = false;
  }

  add(v: JsonCell): void {
    if (v === null) return;
    if (typeof v === 'boolean') this.bools++;
    else if (typeof v === 'string') {
      this.strings++;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') this.nonFinite++;
      const t = this.temporal;
      if (t.date || t.ts) {
        t.sawValue = true;
        if (t.date && parseDate(v) === null) t.date = false;
        if (t.ts) t.timestampText(v);
      }
    } else if ('num' in v) {
      if (INT_RE.test(v.num) && fitsInt64Text(v.num)) this.ints++;
      else this.floats++;
      if (!this.inexact && !floatIsExact(v.num)) this.inexact = true;
    } else this.other++;
  }

  result(): FvType {
    // Numbers together with "NaN"/"Infinity"/"-Infinity" strings read back as float64, as in CSV, so that
    // fv's own JSON export of a float column round-trips; a number float64 would round keeps the column text.
    if (this.nonFinite > 0 && this.nonFinite === this.strings && this.bools === 0 && this.other === 0) {
      return this.inexact ? { kind: 'utf8' } : { kind: 'float64' };
    }
    const kinds = [this.ints + this.floats > 0, this.bools > 0, this.strings > 0, this.other > 0].filter(Boolean).length;
    if (kinds === 0 || kinds > 1 || this.other > 0) return { kind: 'utf8' };
    if (this.ints + this.floats > 0) return this.floats > 0 ? (this.inexact ? { kind: 'utf8' } : { kind: 'float64' }) : { kind: 'int64' };
    if (this.bools > 0) return { kind: 'bool' };
    return this.temporal.result();
  }
}

/** Converts a CSV cell to a value of `t`; throws TYPE_ERROR without location (the caller adds it). */
export function convertText(s: string | null, t: FvType): Value {
  if (s === null) return null;
  return parseValueAs(s, t);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(s) : !LONE_SURROGATE.test(s);
}

/** Converts a JSON cell to a value of `t`. */
export function convertJson(v: JsonCell, t: FvType): Value {
  if (v === null) return null;
  const isText = t.kind === 'utf8' || t.kind === 'large_utf8';
  if (typeof v === 'string') {
    // JSON may escape a lone surrogate ("\ud800"); stored as UTF-8 it would silently become U+FFFD.
    if (isText && !isWellFormed(v)) throw new FvError('TYPE_ERROR', `string with a lone surrogate (\\u${v.charCodeAt(v.search(LONE_SURROGATE)).toString(16)}) cannot be stored as UTF-8`);
    return parseValueAs(v, t);
  }
  if (typeof v === 'boolean') {
    if (t.kind === 'bool') return v;
    if (isText) return v ? 'true' : 'false';
    throw new FvError('TYPE_ERROR', `cannot use a boolean as ${t.kind}`);
  }
  if ('num' in v) return parseValueAs(v.num, t);
  if (isText) return v.nested;
  throw new FvError('TYPE_ERROR', `cannot use a nested JSON value as ${t.kind}`);
}
