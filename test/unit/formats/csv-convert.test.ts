// CSV cells are converted and inferred from the file's bytes (no string per
// cell). These tests pin the byte paths to the string paths they replace:
// parseValueAs and TextInference.add on the cell's text (both pinned to the
// old regex parsers in test/unit/table/fast-parse.test.ts).
import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { Conversion } from '../../../src/table/formats/csv-convert.js';
import { inferBatch } from '../../../src/table/formats/csv-infer.js';
import { TextInference } from '../../../src/table/infer.js';
import { parseDate, parseDateBytes } from '../../../src/table/temporal.js';
import type { FvType, Value } from '../../../src/table/types.js';
import { typeToString } from '../../../src/table/types.js';
import { parseFloatBytes, parseIntegerBytes, parseTimestampBytes, parseValueAs } from '../../../src/table/values.js';
import { batchesOf, utf8 } from './byte-input.js';
import { mutations, rng } from '../../helpers/random.js';

/** Deterministic PRNG so failures reproduce. */
const FLOAT_SEEDS = [
  '0', '-0', '+0', '0.0', '-0.0', '1.5', '-.5', '.5', '5.', '+5', '-325.1861', '26.5925', '0.1234567890123', '98765432109876.5',
  '0.000000000000001', '123456789012345', '1234567890123456', '12345678901234567890', '9007199254740993', '0.1000000000000000055511151231257827',
  '1e5', '1E-5', '1e+5', '-1.25e-300', '1e400', '-1e400', '4.9e-324', '2e-324', '1.7976931348623157e308', '1.7976931348623159e308',
  '.', '-', '+', 'e1', '1e', '1.2.3', ' 1', '1 ', 'NaN', 'nan', 'inf', 'Inf', '+inf', '-inf', 'Infinity', '-Infinity', '+Infinity', 'infinity',
  '0x10', '1_0', '00', '007', '-007.50', '٣', '１',
];
const INT_SEEDS = ['0', '-0', '+0', '007', '-128', '127', '255', '256', '-1', '2147483647', '2147483648', '-2147483649', '999999999999999', '9999999999999999',
  '-9223372036854775808', '9223372036854775807', '9223372036854775808', '18446744073709551615', '1.0', '1e3', '', ' 1', '+-1', '١٢'];
const TS_SEEDS = ['2024-08-07T09:40:07Z', '2024-08-07T09:40:07.123Z', '2024-08-07 09:40:07.5+05:30', '2024-08-07T09:40', '2024-08-07T09:40:07.123456789',
  '2024-02-29T00:00:00', '2023-02-29T00:00:00', '1969-12-31T23:59:59.999-0130', '2024-08-07', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z'];

/** Random decimal literals: many digits, points and exponents. */
function randomFloats(seed: number, count: number): string[] {
  const r = rng(seed);
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let s = (r() < 0.4 ? '-' : r() < 0.1 ? '+' : '') + digits(Math.floor(r() * 12));
    if (r() < 0.7) s += '.' + digits(Math.floor(r() * 12));
    if (r() < 0.2) s += (r() < 0.5 ? 'e' : 'E') + (r() < 0.3 ? '-' : r() < 0.2 ? '+' : '') + digits(1 + Math.floor(r() * 3));
    out.push(s);
  }
  return out;
}

/** A value as something toEqual compares exactly: floats by their bits (-0, NaN payloads), errors as 'error'. */
function exact(f: () => Value): unknown {
  try {
    const v = f();
    if (typeof v === 'number') return new BigUint64Array(new Float64Array([v]).buffer)[0];
    return v;
  } catch {
    return 'error';
  }
}

/** The UTF-8 bytes of `s` between digits, so a parser reading past its range would be caught. */
function embedded(s: string): [Uint8Array, number, number] {
  const b = utf8(s);
  const buf = new Uint8Array(b.length + 8).fill(0x37); // '7'
  buf.set(b, 4);
  return [buf, 4, 4 + b.length];
}

describe('byte parsers give what parseValueAs gives for the same text, or decline (NaN)', () => {
  const floats = [...mutations(FLOAT_SEEDS, 1, 20000, '0123456789.-+eE '), ...randomFloats(2, 20000)];
  it('floats', () => {
    let taken = 0;
    for (const s of floats) {
      for (const kind of ['float64', 'float32'] as const) {
        const v = parseFloatBytes(...embedded(s), kind);
        if (v !== v) continue;
        taken++;
        expect(exact(() => v), `${s} as ${kind}`).toEqual(exact(() => parseValueAs(s, { kind })));
      }
    }
    expect(taken).toBeGreaterThan(floats.length / 2); // the fast path does take the common values
    for (const s of ['-325.1861', '-0.0', '123456789012345', '.5', '5.0']) expect(parseFloatBytes(...embedded(s), 'float64')).not.toBeNaN();
  });

  it('integers', () => {
    for (const s of mutations(INT_SEEDS, 3, 10000, '0123456789-+.e ')) {
      for (const kind of ['int64', 'uint64', 'int32', 'uint8'] as const) {
        const v = parseIntegerBytes(...embedded(s), kind);
        if (v !== v) continue;
        const want = parseValueAs(s, { kind });
        expect(v, `${s} as ${kind}`).toBe(typeof want === 'bigint' ? Number(want) : want);
      }
    }
  });

  it('timestamps and dates', () => {
    for (const s of mutations(TS_SEEDS, 4, 10000, '0123456789-:T .Zz+')) {
      for (const unit of ['s', 'ms'] as const) {
        const v = parseTimestampBytes(...embedded(s), unit);
        if (v === v) expect(BigInt(v), `${s} as ${unit}`).toBe(parseValueAs(s, { kind: 'timestamp', unit, tz: null }));
      }
      expect(parseDateBytes(...embedded(s)), s).toBe(parseDate(s));
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
      if (parseDate(s) !== null) expect(m, s).not.toBeNull();
    }
  });
});

/** A CSV field for `s`: quoted (doubling quotes) when it must be or when `quote` says so; null is an empty field. */
function field(s: string | null, quote: boolean): string {
  if (s === null) return '';
  return quote || s === '' || /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Converts a CSV (header first) under `types`, feeding the batches as readCsv does. */
async function convert(text: string, types: FvType[], chunkSize: number, batchSize: number): Promise<Conversion> {
  const batches = await batchesOf(text, chunkSize, batchSize);
  const header = batches[0]!.record(0).map((f) => f ?? '');
  const conv = new Conversion(header, types, 't.csv', true);
  batches.forEach((b, i) => conv.add(i === 0 ? b.slice(1) : b));
  return conv;
}

describe('Conversion from bytes', () => {
  const r = rng(5);
  const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
  const floats = [...FLOAT_SEEDS, ...randomFloats(6, 200)].filter((s) => exact(() => parseValueAs(s, { kind: 'float64' })) !== 'error');
  const ints = INT_SEEDS.filter((s) => exact(() => parseValueAs(s, { kind: 'int64' })) !== 'error');
  const stamps = TS_SEEDS.filter((s) => exact(() => parseValueAs(s, { kind: 'timestamp', unit: 'ms', tz: null })) !== 'error');
  const texts = ['plain', 'é日本😀', 'say "hi"', 'a,b', 'multi\nline', '\uFEFFbom', ' x ', ''];
  const types: FvType[] = [
    { kind: 'float64' }, { kind: 'float32' }, { kind: 'int64' }, { kind: 'timestamp', unit: 'ms', tz: null }, { kind: 'timestamp', unit: 'us', tz: null },
    { kind: 'bool' }, { kind: 'date32' }, { kind: 'utf8' }, { kind: 'int32' },
  ];
  const rows: (string | null)[][] = [];
  for (let n = 0; n < 3000; n++) {
    const row = [pick(floats), pick(floats), pick(ints), pick(stamps), pick(stamps), pick(['true', 'false', 'TRUE', 'yes', '0']), pick(['2024-02-29', '1970-01-01', '0001-12-31']), pick(texts), pick(['1', '-2147483648', '+7'])];
    rows.push(row.map((s) => (r() < 0.05 ? null : s)));
  }
  const csv = types.map((_, c) => `c${c}`).join(',') + '\n' + rows.map((row) => row.map((s) => field(s, r() < 0.1)).join(',')).join('\r\n') + '\n';

  it('stores what parseValueAs gives for each cell, wherever chunks and batches end', async () => {
    for (const [chunkSize, batchSize] of [[1 << 16, 8192], [7, 100], [1, 1000]] as const) {
      const store = (await convert(csv, types, chunkSize, batchSize)).result().store;
      expect(store.rowCount).toBe(rows.length);
      for (let c = 0; c < types.length; c++) {
        for (let i = 0; i < rows.length; i++) {
          const s = rows[i]![c]!;
          const want = exact(() => (s === null ? null : parseValueAs(s, types[c]!)));
          if (exact(() => store.get(c, i)) !== want) expect(exact(() => store.get(c, i)), `row ${i} ${typeToString(types[c]!)} ${JSON.stringify(s)}`).toEqual(want);
        }
      }
    }
  });

  it('reports the first bad cell in file order with its line, after multi-line fields and blank lines', async () => {
    const text = 'a,b\n1,"x\ny"\n\n2,z\n3,w\nq,v\n';
    await expect(convert(text, [{ kind: 'int64' }, { kind: 'utf8' }], 3, 2)).rejects.toThrow(new FvError('TYPE_ERROR', 't.csv:7: column "a": cannot parse "q" as int64'));
    // Two bad cells: the earlier row wins even when its column comes later.
    await expect(convert('a,b\n1,x\nz,2\n', [{ kind: 'int64' }, { kind: 'int64' }], 64, 64)).rejects.toThrow('t.csv:2: column "b"');
    const ok = (await convert('a,b\n1,"x\ny"\n\n2,z\n3,w\n', [{ kind: 'int64' }, { kind: 'utf8' }], 3, 2)).result();
    expect([0, 1, 2].map(ok.rowLabel)).toEqual(['t.csv:2', 't.csv:5', 't.csv:6']);
  });

  it('marks a non-final conversion contradicted instead of throwing', async () => {
    const batches = await batchesOf('a\n1\nx\n', 64, 64);
    const conv = new Conversion(['a'], [{ kind: 'int64' }], 't.csv', false);
    conv.add(batches[0]!.slice(1));
    expect(conv.contradicted).toBe(true);
  });
});

describe('inference from bytes', () => {
  /** The types inferBatch gives each column, and those TextInference.add gives on the cells' text. */
  async function bothWays(text: string, chunkSize = 5): Promise<[string[], string[]]> {
    const batches = await batchesOf(text, chunkSize, 3);
    const width = batches[0]!.width;
    const fromBytes = Array.from({ length: width }, () => new TextInference());
    const fromText = Array.from({ length: width }, () => new TextInference());
    batches.forEach((b, i) => {
      inferBatch(fromBytes, b, i === 0 ? 1 : 0);
      for (let r = i === 0 ? 1 : 0; r < b.length; r++) b.record(r).forEach((s, c) => fromText[c]!.add(s));
    });
    return [fromBytes.map((x) => typeToString(x.result())), fromText.map((x) => typeToString(x.result()))];
  }

  it('gives the same types as inference on text, for each kind of column', async () => {
    const cols = [
      ['1', '-2', '', '"3"'], ['1.5', '-0.0', 'NaN', '1e5'], ['TRUE', 'false', '"True"', ''], ['2024-01-01', '2024-02-29', '', ''],
      ['2024-01-01T00:00:00Z', '2024-01-01 00:00:00.123+01:00', '', ''], ['9223372036854775808', '1', '', ''], ['12345678901234567', '1.5', '', ''],
      ['trυe', 'false', '', ''], ['"a""b"', '1', '', ''], ['007', '1', '', ''], ['0.1000000000000000055511151231257827', '1.5', '', ''],
    ];
    const text = cols.map((_, c) => `c${c}`).join(',') + '\n' + [0, 1, 2, 3].map((r) => cols.map((col) => col[r]).join(',')).join('\n') + '\n';
    const [fromBytes, fromText] = await bothWays(text);
    expect(fromBytes).toEqual(fromText);
    expect(fromBytes).toEqual(['int64', 'float64', 'bool', 'date32', 'timestamp[ms, UTC]', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8']);
  });

  it('agrees with inference on text over random columns', async () => {
    const r = rng(8);
    const pools = [mutations(FLOAT_SEEDS, 9, 300, '0123456789.-+eE'), mutations(INT_SEEDS, 10, 300, '0123456789-+'), mutations(TS_SEEDS, 11, 300, '0123456789-:T .Zz+')];
    for (let n = 0; n < 60; n++) {
      const pool = pools[n % 3]!;
      const cells = Array.from({ length: 1 + Math.floor(r() * 6) }, () => field(pool[Math.floor(r() * (r() < 0.8 ? 40 : pool.length))]!, r() < 0.1));
      const [fromBytes, fromText] = await bothWays('c\n' + cells.join('\n') + '\n', 1 + Math.floor(r() * 9));
      expect(fromBytes, cells.join(' | ')).toEqual(fromText);
    }
  });
});
