// The hand-written parsers (temporal.ts scanTimestamp, values.ts/infer.ts fast
// paths) must accept exactly what the regex versions they replaced accepted,
// with the same results: fuzzed here against those regexes.
import { describe, expect, it } from 'vitest';
import { numberShape } from '../../../src/table/infer.js';
import { daysFromCivil, parseTimestamp } from '../../../src/table/temporal.js';
import type { FvType, Value } from '../../../src/table/types.js';
import { parseValueAs } from '../../../src/table/values.js';
import { mutations, rng } from '../../helpers/random.js';

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= dim;
}

/** The regex implementation parseTimestamp had before. */
function oldParseTimestamp(s: string) {
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
  const secs = days * 86400n + BigInt(hh * 3600 + mi * 60 + ss) - BigInt((offsetMinutes ?? 0) * 60);
  const nanos = secs * 1000000000n + BigInt((frac + '000000000').slice(0, 9));
  return { nanos, fractionDigits: frac.length, offsetMinutes };
}

/** Deterministic PRNG so failures reproduce. */
describe('scanTimestamp matches the old regex parser', () => {
  const fixed = [
    '2024-08-07T09:40:07Z', '2024-08-07 09:40', '2024-02-29T00:00:00', '2023-02-29T00:00:00', '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999+23:59', '2024-01-01T00:00:00.', '2024-01-01T00:00:00.1234567890', '2024-01-01T24:00:00',
    '2024-01-01T00:60', '2024-01-01T00:00:60', '2024-01-01T00:00+05', '2024-01-01T00:00+0530', '2024-01-01T00:00-05:30',
    '2024-01-01T00:00+05:', '2024-01-01T00:00+5', '2024-01-01T00:00+24:00', '2024-01-01T00:00+05:60', '2024-01-01t00:00',
    '2024-01-01T00:00z', '2024-01-01T00:00:0', '2024-01-01T00:00:', '2024-01-01T00:00ZZ', '2024-1-01T00:00', '2024-01-01',
    '', '2024-01-01T00:00:00.5Z', '1969-12-31T23:59:59.000000001Z', '２０２４-01-01T00:00', '2024-01-01T00:00 ',
  ];
  it('fixed cases', () => {
    for (const s of fixed) expect(parseTimestamp(s), s).toEqual(oldParseTimestamp(s));
  });
  it('random mutations', () => {
    // The fixed cases again, then 40,000 edits of them (1 to 3 characters each).
    for (const s of mutations(fixed, 42, 40000, '0123456789-:T .Zz+-', 1)) expect(parseTimestamp(s), s).toEqual(oldParseTimestamp(s));
  });
});

describe('numberShape matches the regexes it replaced', () => {
  const res: [number, RegExp][] = [
    [1, /^-?(0|[1-9]\d*)$/],
    [2, /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/],
    [4, /^-?\d+$/],
    [8, /^-?\d+(\.\d+)?$/],
  ];
  it('random strings', () => {
    const r = rng(7);
    const alphabet = '0123456789.-+eEx ';
    for (let n = 0; n < 40000; n++) {
      const len = Math.floor(r() * 8);
      let s = '';
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(r() * (k === 0 ? alphabet.length : 12))]!;
      const shape = numberShape(s);
      for (const [bit, re] of res) expect((shape & bit) !== 0, `${s} ${re}`).toBe(re.test(s));
    }
  });
});

/** The general (regex and BigInt) paths parseValueAs had before its fast paths. */
function oldParse(text: string, t: FvType): Value {
  switch (t.kind) {
    case 'int32':
    case 'uint8':
    case 'int64':
    case 'uint64': {
      const ranges: Record<string, [bigint, bigint]> = { int32: [-2147483648n, 2147483647n], uint8: [0n, 255n], int64: [-(2n ** 63n), 2n ** 63n - 1n], uint64: [0n, 2n ** 64n - 1n] };
      if (!/^[+-]?\d+$/.test(text)) throw new Error('bad');
      const b = BigInt(text);
      const [lo, hi] = ranges[t.kind]!;
      if (b < lo || b > hi) throw new Error('bad');
      return t.kind === 'int64' || t.kind === 'uint64' ? b : Number(b);
    }
    case 'float32':
    case 'float64': {
      const s = text.trim();
      if (s === 'NaN' || s === 'nan') return NaN;
      if (/^[+]?(inf|Infinity)$/i.test(s)) return Infinity;
      if (/^-(inf|Infinity)$/i.test(s)) return -Infinity;
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error('bad');
      const x = Number(s);
      return t.kind === 'float32' ? Math.fround(x) : x;
    }
    case 'timestamp': {
      const p = oldParseTimestamp(text) ?? (/^\d{4}-\d{2}-\d{2}$/.test(text) ? oldParseTimestamp(text + 'T00:00:00') : null);
      if (p === null) throw new Error('bad');
      const per = 1000000000n / ({ s: 1n, ms: 1000n, us: 1000000n, ns: 1000000000n } as const)[t.unit];
      if (p.nanos % per !== 0n) throw new Error('bad');
      const v = p.nanos / per;
      if (v < -(2n ** 63n) || v > 2n ** 63n - 1n) throw new Error('bad');
      return v;
    }
    default:
      throw new Error('untested type');
  }
}

function outcome(f: () => Value): unknown {
  try {
    const v = f();
    return typeof v === 'number' && Object.is(v, -0) ? '-0' : v;
  } catch {
    return 'error';
  }
}

describe('parseValueAs fast paths give the old results', () => {
  const types: FvType[] = [
    { kind: 'int32' }, { kind: 'uint8' }, { kind: 'int64' }, { kind: 'uint64' }, { kind: 'float32' }, { kind: 'float64' },
    { kind: 'timestamp', unit: 's', tz: 'UTC' }, { kind: 'timestamp', unit: 'ms', tz: null }, { kind: 'timestamp', unit: 'us', tz: null }, { kind: 'timestamp', unit: 'ns', tz: 'UTC' },
  ];
  const seeds = ['0', '-0', '+0', '007', '-128', '255', '256', '-1', '2147483647', '2147483648', '999999999999999', '9999999999999999', '-9223372036854775808',
    '1.5', '-.5', '5.', '-325.1861', '0.1234567890123', '98765432109876.5', '0.000000000000001', '-0.0', '9007199254740993', '1e5', '1E-5', '.', '-', '+', 'e1', '1e', '1.2.3', ' 1', 'NaN', 'inf', '-Infinity', '0x10', '1_0',
    '2024-08-07T09:40:07Z', '2024-08-07T09:40:07.123Z', '2024-08-07T09:40:07.123456+05:30', '2024-08-07T09:40:07.123456789', '1677-09-21T00:12:43Z', '2262-04-11T23:47:17Z', '2024-08-07', '0000-01-01T00:00:00Z'];
  it('random mutations', () => {
    for (const s of mutations(seeds, 99, 15000, '0123456789.-+eE :TZ')) {
      for (const t of types) expect(outcome(() => parseValueAs(s, t)), `${s} as ${JSON.stringify(t)}`).toEqual(outcome(() => oldParse(s, t)));
    }
  });
});
