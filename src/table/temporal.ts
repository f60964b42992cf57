/**
 * Dates and timestamps as text. fv keeps temporal values as exact integers
 * (days for date32, a bigint count of the unit for timestamps) and only
 * goes through text at the edges: CSV/JSON import and export, display.
 */
import type { TimeUnit } from './types.js';
import { TIME_UNITS_PER_SECOND } from './types.js';
import { asciiBytes } from './ascii.js';

const DAY_SECONDS = 86400n;

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's algorithm). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= dim;
}

/** `YYYY-MM-DD` in bytes[a, end) to days since the epoch, or null when it is not a valid date. */
export function parseDateBytes(b: Uint8Array, a: number, end: number): number | null {
  if (end - a !== 10 || b[a + 4] !== 45 || b[a + 7] !== 45) return null;
  const y = digitsAt(b, a, 4, end), mo = digitsAt(b, a + 5, 2, end), d = digitsAt(b, a + 8, 2, end);
  if (y < 0 || mo < 0 || d < 0) return null;
  return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : null;
}

/** `YYYY-MM-DD` to days since the epoch, or null when it is not a valid date. */
export function parseDate(s: string): number | null {
  return s.length === 10 ? parseDateBytes(asciiBytes(s), 0, 10) : null;
}

function pad(n: number, w: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= w ? s : '0'.repeat(w - s.length) + s);
}

export function formatDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

export interface ParsedTimestamp {
  /** Nanoseconds since the epoch, UTC. */
  nanos: bigint;
  /** Digits after the decimal point as written (0..9). */
  fractionDigits: number;
  /** null: no zone written (naive); otherwise the offset in minutes (0 for Z). */
  offsetMinutes: number | null;
}

/**
 * The fields of a timestamp as plain numbers (no BigInt: import parses one
 * per cell, and BigInt arithmetic and regex match arrays dominated the
 * profile). `scanTimestamp` fills a caller-owned instance.
 */
export class TimestampParts {
  /** Days since the epoch of the written (local) date. */
  days = 0;
  /** Seconds of the written (local) day, 0..86399. */
  secondOfDay = 0;
  /** The fraction in nanoseconds, 0..999999999. */
  fracNanos = 0;
  fractionDigits = 0;
  /** null: naive; otherwise the offset in minutes (0 for Z). */
  offsetMinutes: number | null = null;

  /** Seconds since the epoch, UTC (exact: |value| < 2^53 for four-digit years). */
  epochSeconds(): number {
    return this.days * 86400 + this.secondOfDay - (this.offsetMinutes ?? 0) * 60;
  }
}

/** Value of the `n` ASCII digits at b[i, i + n), or -1 if any is not a digit or is at or past `end`. */
function digitsAt(b: Uint8Array, i: number, n: number, end: number): number {
  if (i + n > end) return -1;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = b[i + k]! - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** The longest timestamp scanTimestampBytes accepts: date, time, 9 fraction digits, `+hh:mm`. */
const MAX_TIMESTAMP_LENGTH = 35;

/**
 * Hand-written matcher for the ISO-8601 grammar fv accepts, exactly
 * `^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$`
 * plus the range checks (valid date, hours <= 23, minutes and seconds <= 59,
 * offset hours <= 23 and minutes <= 59), over the bytes b[a, end). Fills
 * `out`; false if they are not a timestamp.
 */
export function scanTimestampBytes(b: Uint8Array, a: number, end: number, out: TimestampParts): boolean {
  if (end - a < 16 || end - a > MAX_TIMESTAMP_LENGTH || b[a + 4] !== 45 || b[a + 7] !== 45 || b[a + 13] !== 58) return false;
  const sep = b[a + 10];
  if (sep !== 84 && sep !== 32) return false; // 'T' or ' '
  const y = digitsAt(b, a, 4, end), mo = digitsAt(b, a + 5, 2, end), d = digitsAt(b, a + 8, 2, end), hh = digitsAt(b, a + 11, 2, end), mi = digitsAt(b, a + 14, 2, end);
  if (y < 0 || mo < 0 || d < 0 || hh < 0 || mi < 0) return false;
  let i = a + 16;
  let ss = 0;
  let frac = 0;
  let fd = 0;
  if (i < end && b[i] === 58) {
    ss = digitsAt(b, i + 1, 2, end);
    if (ss < 0) return false;
    i += 3;
    if (i < end && b[i] === 46) {
      i++;
      while (i < end && fd < 10) {
        const c = b[i]! - 48;
        if (!(c >= 0 && c <= 9)) break;
        frac = frac * 10 + c;
        fd++;
        i++;
      }
      if (fd === 0 || fd > 9) return false;
    }
  }
  let offset: number | null = null;
  if (i < end) {
    const z = b[i];
    if (z === 90 || z === 122) {
      offset = 0;
      i++;
    } else if (z === 43 || z === 45) {
      const oh = digitsAt(b, i + 1, 2, end);
      if (oh < 0) return false;
      i += 3;
      let om = 0;
      if (i < end) {
        if (b[i] === 58) i++;
        om = digitsAt(b, i, 2, end);
        if (om < 0) return false;
        i += 2;
      }
      if (oh > 23 || om > 59) return false;
      offset = (z === 45 ? -1 : 1) * (oh * 60 + om);
    } else return false;
  }
  if (i !== end) return false;
  if (!validDate(y, mo, d) || hh > 23 || mi > 59 || ss > 59) return false;
  out.days = daysFromCivil(y, mo, d);
  out.secondOfDay = hh * 3600 + mi * 60 + ss;
  for (let k = fd; k < 9; k++) frac *= 10;
  out.fracNanos = frac;
  out.fractionDigits = fd;
  out.offsetMinutes = offset;
  return true;
}

/** scanTimestampBytes over a string. */
export function scanTimestamp(s: string, out: TimestampParts): boolean {
  return s.length <= MAX_TIMESTAMP_LENGTH && scanTimestampBytes(asciiBytes(s), 0, s.length, out);
}

const SCRATCH = new TimestampParts();

/** ISO-8601 timestamp (`T` or space separator, optional fraction and zone), or null. */
export function parseTimestamp(s: string): ParsedTimestamp | null {
  if (!scanTimestamp(s, SCRATCH)) return null;
  const nanos = BigInt(SCRATCH.epochSeconds()) * 1000000000n + BigInt(SCRATCH.fracNanos);
  return { nanos, fractionDigits: SCRATCH.fractionDigits, offsetMinutes: SCRATCH.offsetMinutes };
}

export function unitForFractionDigits(digits: number): TimeUnit {
  return digits === 0 ? 's' : digits <= 3 ? 'ms' : digits <= 6 ? 'us' : 'ns';
}

const UNIT_DIGITS: Record<TimeUnit, number> = { s: 0, ms: 3, us: 6, ns: 9 };

/** Converts nanoseconds to `unit`, or null if that would lose precision. */
export function nanosToUnit(nanos: bigint, unit: TimeUnit): bigint | null {
  const per = 1000000000n / TIME_UNITS_PER_SECOND[unit];
  return nanos % per === 0n ? nanos / per : null;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/** Parses `+02:00`-style fixed offsets used as Arrow timezones; `UTC`/`Z` is 0. */
export function fixedOffsetMinutes(tz: string): number | null {
  if (tz === 'UTC' || tz === 'Z' || tz === 'Etc/UTC' || tz === '+00:00') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(tz);
  if (!m) return null;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function offsetToTz(minutes: number): string {
  if (minutes === 0) return 'UTC';
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60), 2)}:${pad(a % 60, 2)}`;
}

/**
 * Formats a timestamp with exactly the unit's fraction digits. Naive
 * timestamps (tz null) get no suffix; UTC gets `Z`; fixed offsets are shown
 * in local time with their offset; named zones are shown in UTC with `Z`.
 */
export function formatTimestamp(value: bigint, unit: TimeUnit, tz: string | null): string {
  const perSec = TIME_UNITS_PER_SECOND[unit];
  let offset = 0;
  let suffix = '';
  if (tz !== null) {
    const fixed = fixedOffsetMinutes(tz);
    offset = fixed ?? 0;
    suffix = fixed === null || fixed === 0 ? 'Z' : offsetToTz(fixed);
  }
  const local = value + BigInt(offset * 60) * perSec;
  const secs = floorDiv(local, perSec);
  const frac = local - secs * perSec;
  const days = floorDiv(secs, DAY_SECONDS);
  const sod = Number(secs - days * DAY_SECONDS);
  const date = formatDate(Number(days));
  const time = `${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor((sod % 3600) / 60), 2)}:${pad(sod % 60, 2)}`;
  const digits = UNIT_DIGITS[unit];
  const fracText = digits === 0 ? '' : '.' + frac.toString().padStart(digits, '0');
  return `${date}T${time}${fracText}${suffix}`;
}
