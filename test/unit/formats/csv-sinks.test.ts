// While CSV types are a guess, the column sinks feed inference as they convert
// (csv-sinks.ts), skipping the cells their fast parse proves cannot change
// it. That must give exactly what converting and inferring separately gives:
// checked here on random columns that start as one type and then meet cells
// at the edges of the fast paths (non-canonical numbers, 16+ digits,
// finer timestamps, other offsets, other spellings, quotes, nulls).
import { describe, expect, it } from 'vitest';
import { Conversion } from '../../../src/table/formats/csv-convert.js';
import { inferBatch } from '../../../src/table/formats/csv-infer.js';
import type { CsvBatch } from '../../../src/table/formats/csv-batch.js';
import { TextInference } from '../../../src/table/infer.js';
import type { FvType } from '../../../src/table/types.js';
import { typeToString } from '../../../src/table/types.js';
import { mutations, rng } from '../../helpers/random.js';
import { batchesOf } from './byte-input.js';

const POOLS: Record<string, string[]> = {
  int: ['0', '-0', '1', '-17', '42', '123456789012345', '-999999999999999', '7', '100', '65536'],
  float: ['0.5', '-0.0', '-325.1861', '26.5925', '0', '1', '-1.25', '98765432109876.5', '0.000000000000001', '3.0'],
  ts: ['2024-08-07T09:40:07Z', '2024-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2024-02-29 12:00:00Z', '2000-01-01T00:00Z'],
  tsNaive: ['2024-08-07T09:40:07', '2024-01-01 00:00:00', '2024-01-01T00:00'],
  date: ['2024-01-01', '2024-02-29', '1970-01-01', '0001-12-31'],
  bool: ['true', 'false'],
  text: ['plain', 'x', 'é日本', ' 1'],
};

/** Cells at the edges of the fast paths: each may or may not change what inference concludes. */
const EDGES = [
  '+5', '007', '00', '-', '.5', '-.5', '5.', '1.0', '0.10', '1234567890123456', '9007199254740993', '9223372036854775807',
  '9223372036854775808', '-9223372036854775809', '12345678901234567890', '1e5', '1E-5', 'NaN', 'Infinity', '-Infinity', 'inf',
  '0.1000000000000000055511151231257827', '1.7976931348623159e308', '2024-08-07T09:40:07.123Z', '2024-08-07T09:40:07.123456Z',
  '2024-08-07T09:40:07.123456789Z', '2024-08-07T09:40:07+01:00', '2024-08-07T09:40:07-0130', '2024-08-07T09:40:07', '2024-08-07T09:40:07.5',
  '2024-08-07', '2023-02-29', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'TRUE', 'False', 'yes', 'say "hi"', '',
];

const EDGE_MUTANTS = mutations(EDGES, 21, 400, '0123456789.-+eE:TZ ');

/** A CSV field for `s`: quoted (doubling quotes) when it must be or when `quote` says so; null is an empty field. */
function field(s: string | null, quote: boolean): string {
  if (s === null) return '';
  return quote || s === '' || /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function typesOf(inference: TextInference[]): string[] {
  return inference.map((x) => typeToString(x.result()));
}

/** Every stored value of a store, comparable with toEqual (floats by their bits). */
function valuesOf(conv: Conversion): unknown[][] {
  const { store } = conv.result();
  return store.columns.map((_, c) =>
    Array.from({ length: store.rowCount }, (_, r) => {
      const v = store.get(c, r);
      return typeof v === 'number' ? new BigUint64Array(new Float64Array([v]).buffer)[0] : v;
    }),
  );
}

/**
 * Reads the batches as readCsv does: the types are guessed from the first
 * `guessBatches` batches, then the rest is converted with inference fed by
 * the sinks. Returns that conversion and inference, and the same done
 * separately: inference over every batch on its own, and a conversion
 * under the guessed types without inference.
 */
function bothWays(batches: CsvBatch[], guessBatches: number) {
  const width = batches[0]!.width;
  const rows = batches.map((b, i) => (i === 0 ? b.slice(1) : b));
  const fused = Array.from({ length: width }, () => new TextInference());
  const apart = Array.from({ length: width }, () => new TextInference());
  const header = Array.from({ length: width }, (_, c) => `c${c}`);
  rows.slice(0, guessBatches).forEach((b) => inferBatch(fused, b, 0));
  const guessed: FvType[] = fused.map((x) => x.result());
  const conv = new Conversion(header, guessed, 't.csv', false, fused);
  const plain = new Conversion(header, guessed, 't.csv', false);
  rows.forEach((b, i) => {
    conv.add(b, i < guessBatches);
    plain.add(b);
    inferBatch(apart, b, 0);
  });
  return { conv, plain, fused, apart, guessed };
}

describe('sinks feeding inference while converting', () => {
  it('give the types and values of inferring and converting separately, on random columns', async () => {
    const r = rng(77);
    const families = Object.keys(POOLS);
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    let contradicted = 0;
    let kept = 0;
    for (let round = 0; round < 600; round++) {
      const width = 1 + Math.floor(r() * 4);
      const cols = Array.from({ length: width }, () => pick(families));
      // Each column meets at most one odd value, so that what it does to the type is not hidden by another.
      const odd = cols.map(() => (r() < 0.2 ? null : r() < 0.2 ? pick(POOLS[pick(families)]!) : pick(r() < 0.6 ? EDGES : EDGE_MUTANTS)));
      const length = 5 + Math.floor(r() * 60);
      const oddRate = r() * 0.1;
      const lines = [cols.map((_, c) => `c${c}`).join(',')];
      for (let i = 0; i < length; i++) {
        const row = cols.map((fam, c) => {
          if (r() < 0.05) return null;
          return odd[c] !== null && r() < oddRate ? odd[c]! : pick(POOLS[fam]!);
        });
        lines.push(row.map((s) => field(s, r() < 0.05)).join(','));
      }
      const batchSize = 2 + Math.floor(r() * 12);
      const batches = await batchesOf(lines.join('\n') + '\n', 1 + Math.floor(r() * 64), batchSize);
      const guessBatches = 1 + Math.floor(r() * Math.min(3, batches.length));
      const { conv, plain, fused, apart, guessed } = bothWays(batches, guessBatches);
      const what = `round ${round}: ${cols.join(',')} guessed ${guessed.map(typeToString).join(',')}\n${lines.join('\n')}`;
      expect(typesOf(fused), what).toEqual(typesOf(apart));
      expect(conv.contradicted, what).toBe(plain.contradicted);
      if (conv.contradicted) contradicted++;
      else {
        kept++;
        expect(valuesOf(conv), what).toEqual(valuesOf(plain));
      }
      if (typesOf(apart).join() !== guessed.map(typeToString).join()) contradicted++;
    }
    // Both outcomes occur, so both ways through readCsv are covered.
    expect(contradicted).toBeGreaterThan(100);
    expect(kept).toBeGreaterThan(100);
  });

  it('keep feeding inference after the cell that contradicts the guess, in the same batch and later ones', async () => {
    const text = 'a,b\n1,2\n3,4\n5,x\n1.5,6\n7,8\n9,2024-01-01\n';
    const { conv, fused, apart } = bothWays(await batchesOf(text, 64, 3), 1);
    expect(conv.contradicted).toBe(true);
    expect(typesOf(fused)).toEqual(['float64', 'utf8']);
    expect(typesOf(fused)).toEqual(typesOf(apart));
  });
});
