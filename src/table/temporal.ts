/**
 * Dates and timestamps as text. fv keeps temporal values as exact integers
 * (days for date32, a bigint count of the unit for timestamps) and only
 * goes through text at the edges: CSV/JSON import and export, display.
 */
import type { TimeUnit } from './types.js';
import { TIME_UNITS_PER_SECOND } from './types.js';

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

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` to days since the epoch, or null when it is not a valid date. */
export function parseDate(s: string): number | null {
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  return validDate(y, mo, d) ? daysFromCivil(y, mo, d) : null;
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

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO-8601 timestamp (`T` or space separator, optional fraction and zone), or null. */
export function parseTimestamp(s: string): ParsedTimestamp | null {
  const m = TS_RE.exec(s);
  if (!m) return null;
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  const hh = Number(m[4]), mi = Number(m[5]), ss = m[6] === undefined ? 0 : Number(m[6]);
  if (!validDate(y, mo, d) || hh > 23 || mi > 59 || ss > 59) return null;
  const frac = m[7] ?? '';
  let offsetMinutes: number | null = null;
  const z = m[8];
  if (z !== undefined) {
    if (z === 'Z' || z === 'z') offsetMinutes = 0;
    else {
      const sign = z[0] === '-' ? -1 : 1;
      const digits = z.slice(1).replace(':', '');
      const oh = Number(digits.slice(0, 2));
      const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (oh > 23 || om > 59) return null;
      offsetMinutes = sign * (oh * 60 + om);
    }
  }
  const days = BigInt(daysFromCivil(y, mo, d));
  const secs = days * DAY_SECONDS + BigInt(hh * 3600 + mi * 60 + ss) - BigInt((offsetMinutes ?? 0) * 60);
  const nanos = secs * 1000000000n + BigInt((frac + '000000000').slice(0, 9));
  return { nanos, fractionDigits: frac.length, offsetMinutes };
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
