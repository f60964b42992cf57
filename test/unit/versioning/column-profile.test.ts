/** The pure column profile: exact figures under the bounds, approximate (and deterministic) beyond them. */
import { describe, expect, it } from 'vitest';
import { ColumnAccumulator, compareProfiles, HyperLogLog, profileTable } from '../../../src/versioning/diff/column-profile.js';
import type { TableData } from '../../../src/table/table-data.js';
import type { Field, Value } from '../../../src/table/types.js';

async function* chunks(fields: Field[], cols: Value[][], size: number): AsyncGenerator<TableData> {
  const n = cols[0]!.length;
  for (let s = 0; s < n; s += size) yield { fields, columns: cols.map((c) => c.slice(s, s + size)), rowCount: Math.min(size, n - s) };
}

describe('column profile', () => {
  it('is exact under the bounds, whatever the chunking', async () => {
    const fields: Field[] = [{ name: 'x', type: { kind: 'float64' } }, { name: 'b', type: { kind: 'bool' } }];
    const xs: Value[] = [3, 1, null, 2, Number.NaN, 4];
    const bs: Value[] = [true, false, true, null, true, false];
    for (const size of [1, 2, 6]) {
      const p = await profileTable(fields, chunks(fields, [xs, bs], size));
      const s = compareProfiles(p, p);
      expect(s.x!.before).toMatchObject({ count: 6, nulls: 1, distinct: 5, distinctExact: true, min: 1, max: 4, mean: 2.5, sampled: false });
      expect(s.x!.before!.stdev).toBeCloseTo(Math.sqrt(5 / 3), 12);
      expect(s.x!.psi).toBe(0);
      expect(s.x!.ks).toBe(0);
      expect(s.b!.before!.top).toEqual([{ value: 'true', count: 3 }, { value: 'false', count: 2 }]);
      expect(s.b!.before).toMatchObject({ min: false, max: true, nulls: 1 });
      expect(s.b!.psi).toBe(0);
    }
  });

  it('switches to a HyperLogLog estimate and a deterministic reservoir sample beyond the bounds', () => {
    const limits = { distinctExact: 1000, values: 2000 };
    const run = (): ColumnAccumulator => {
      const a = new ColumnAccumulator({ name: 'x', type: { kind: 'int32' } }, limits);
      const col: Value[] = [];
      for (let i = 0; i < 50_000; i++) col.push(i);
      a.add(col, col.length);
      return a;
    };
    const p = run().finish([0, 49_999]);
    expect(p.distinctExact).toBe(false);
    expect(Math.abs(p.distinct - 50_000) / 50_000).toBeLessThan(0.05);
    expect(p.sampled).toBe(true);
    expect(p.min).toBe(0);
    expect(p.max).toBe(49_999);
    expect(p.mean).toBeCloseTo(24_999.5, 6); // mean and stdev stay exact
    expect(Math.abs((p.quantiles!.p50 as number) - 25_000)).toBeLessThan(2_500);
    expect(p.histogram!.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(run().finish([0, 49_999])).toEqual(p);
  });

  it('HyperLogLog counts small sets nearly exactly', () => {
    const h = new HyperLogLog();
    for (let i = 0; i < 500; i++) h.add(`v${i % 250}`);
    expect(Math.abs(h.estimate() - 250)).toBeLessThanOrEqual(3);
  });

  it('keeps a bounded category map with an "other" bucket', () => {
    const a = new ColumnAccumulator({ name: 's', type: { kind: 'utf8' } }, { distinctExact: 3, values: 10 });
    a.add(['a', 'b', 'c', 'a', 'd', 'e', 'a'], 7);
    const p = a.finish(null);
    expect(p.topExact).toBe(false);
    expect(p.top).toEqual([{ value: 'a', count: 3 }, { value: 'b', count: 1 }, { value: 'c', count: 1 }]);
    expect(p.distinctExact).toBe(false);
  });
});
