/** Each check type, pass and fail, with exact observed values, run through the streaming runner on in-memory chunks. */
import { describe, expect, it } from 'vitest';
import type { CheckEnv, CheckResult } from '../../../src/checks/check.js';
import { ksStatistic, psiCategories, psiNumeric } from '../../../src/checks/drift.js';
import { checkTime, runTableChecks } from '../../../src/checks/runner.js';
import { parseDefinitions } from '../../../src/features/definitions.js';
import type { TableManifest } from '../../../src/table/manifest.js';
import type { TableData } from '../../../src/table/table-data.js';
import type { Value } from '../../../src/table/types.js';
import { parseType } from '../../../src/table/types.js';

interface Fake { manifest: TableManifest; chunks: TableData[] }

function table(cols: [string, string][], rows: Value[][], key: string[] = [], chunkRows = 2): Fake {
  const fields = cols.map(([name, type]) => ({ name, type: parseType(type) }));
  const chunks: TableData[] = [];
  for (let s = 0; s < rows.length; s += chunkRows) {
    const part = rows.slice(s, s + chunkRows);
    chunks.push({ fields, columns: fields.map((_, i) => part.map((r) => r[i]!)), rowCount: part.length });
  }
  const manifest = {
    format: 1, fields: cols.map(([name, type]) => ({ name, type })), key, time: null, rows: rows.length, digest: '', content_hash: '',
    chunking: { min_rows: 1, mask_bits: 1, max_rows: 1 }, chunks: chunks.map(() => ({ oid: '', rows: 0, bytes: 0, digest: '', columns: [] })),
  } as TableManifest;
  return { manifest, chunks };
}

const NOW = 1_704_369_600n * 1_000_000_000n; // 2024-01-04T12:00:00Z

async function run(t: Fake, checks: object[], ref: Fake | null = null): Promise<CheckResult[]> {
  const defs = parseDefinitions(JSON.stringify({ checks: { t: checks.map((c, i) => ({ id: `c${i}`, severity: 'error', ...c })) } })).checks.get('t')!;
  const data = new Map<TableManifest, TableData[]>([[t.manifest, t.chunks]]);
  if (ref) data.set(ref.manifest, ref.chunks);
  const env: CheckEnv = {
    now: NOW,
    reference: async () => (ref ? { rev: 'HEAD', manifest: ref.manifest } : null),
    readChunks: async function* (m) {
      yield* data.get(m)!;
    },
  };
  return runTableChecks('t', t.manifest, defs, env);
}

async function one(t: Fake, check: object, ref: Fake | null = null): Promise<CheckResult> {
  return (await run(t, [check], ref))[0]!;
}

const people = table(
  [['id', 'int64'], ['name', 'utf8'], ['age', 'int32'], ['score', 'float64'], ['ts', 'timestamp[s, UTC]']],
  [
    [1n, 'ann', 34, 1.5, 1_704_326_400n], // 2024-01-04T00:00:00Z
    [2n, 'bob', null, 2.5, 1_704_240_000n],
    [3n, 'cy', 210, null, 1_704_153_600n],
    [4n, null, 41, 4, null],
    [5n, 'bob', -1, 8, 1_704_067_200n],
  ],
  ['id'],
);

describe('row checks', () => {
  it('not_null counts nulls and gives examples with keys', async () => {
    const r = await one(people, { type: 'not_null', column: 'name' });
    expect(r).toMatchObject({ ok: false, observed: { nulls: 1 }, unexpected: 1, rows: 5, expected: { nulls: 0 } });
    expect(r.examples).toEqual([{ key: [4n], index: 3, row: { id: 4n, name: null, age: 41, score: 4, ts: null } }]);
    expect((await one(people, { type: 'not_null', column: 'id' })).ok).toBe(true);
  });

  it('unique on a column and on a compound key, nulls not judged', async () => {
    const r = await one(people, { type: 'unique', column: 'name' });
    expect(r).toMatchObject({ ok: false, observed: { duplicates: 1, distinct: 3 }, unexpected: 1, rows: 4 });
    expect(r.examples.map((e) => e.key)).toEqual([[5n]]);
    expect((await one(people, { type: 'unique', columns: ['name', 'age'] })).ok).toBe(true);
  });

  it('between with inclusive and strict bounds, and mostly', async () => {
    const r = await one(people, { type: 'between', column: 'age', min: 0, max: 120 });
    expect(r).toMatchObject({ ok: false, observed: { min: -1, max: 210 }, unexpected: 2, rows: 4, expected: { min: 0, max: 120 } });
    expect(r.examples.map((e) => e.key)).toEqual([[3n], [5n]]);
    expect((await one(people, { type: 'between', column: 'age', min: 0, max: 120, mostly: 0.5 })).ok).toBe(true);
    expect((await one(people, { type: 'between', column: 'age', min: 0, max: 120, mostly: 0.6 })).ok).toBe(false);
    expect((await one(people, { type: 'between', column: 'score', min: 1.5, strict_min: true })).unexpected).toBe(1);
    expect((await one(people, { type: 'between', column: 'ts', min: '2024-01-02T00:00:00Z' })).unexpected).toBe(1);
    expect((await one(people, { type: 'between', column: 'id', max: 4.5 })).unexpected).toBe(1);
    const big = table([['n', 'int64']], [[9007199254740993n], [9007199254740992n]]);
    expect(await one(big, { type: 'between', column: 'n', max: '9007199254740992' })).toMatchObject({ unexpected: 1, observed: { min: 9007199254740992n, max: 9007199254740993n } });
    expect(await one(people, { type: 'between', column: 'ts', min: 3 })).toMatchObject({ ok: false, error: 'min 3 is not a valid timestamp value' });
    expect(await one(people, { type: 'between', column: 'nope', min: 3 })).toMatchObject({ ok: false, error: 'no column "nope" in table t' });
  });

  it('in_set and not_in_set compare in the column type', async () => {
    const r = await one(people, { type: 'in_set', column: 'name', values: ['ann', 'bob'] });
    expect(r).toMatchObject({ ok: false, observed: { values: [{ value: 'cy', count: 1 }] }, unexpected: 1, rows: 4 });
    expect(await one(people, { type: 'not_in_set', column: 'name', values: ['bob', null] })).toMatchObject({ ok: false, unexpected: 3, rows: 5, observed: { values: [{ value: 'bob', count: 2 }, { value: 'null', count: 1 }] } });
    expect((await one(people, { type: 'in_set', column: 'score', values: [1.5, 2.5, 4, '8'] })).ok).toBe(true);
  });

  it('regex searches the text form; length_between counts code points', async () => {
    expect(await one(people, { type: 'regex', column: 'name', pattern: '^[a-z]{3}$' })).toMatchObject({ ok: false, observed: { mismatches: 1 }, unexpected: 1 });
    expect((await one(people, { type: 'regex', column: 'age', pattern: '^\\d+$' })).unexpected).toBe(1);
    expect(await one(people, { type: 'length_between', column: 'name', min: 3 })).toMatchObject({ ok: false, observed: { min_length: 2, max_length: 3 }, unexpected: 1 });
    const emoji = table([['s', 'utf8']], [['😀😀'], ['abc']]);
    expect(await one(emoji, { type: 'length_between', column: 's', max: 2 })).toMatchObject({ observed: { min_length: 2, max_length: 3 }, unexpected: 1 });
  });
});

describe('table checks', () => {
  it('column_type and schema', async () => {
    expect(await one(people, { type: 'column_type', column: 'ts', expected: 'timestamp[s, UTC]' })).toMatchObject({ ok: true, observed: { type: 'timestamp[s, UTC]' } });
    expect(await one(people, { type: 'column_type', column: 'age', expected: 'int64' })).toMatchObject({ ok: false, observed: { type: 'int32' }, expected: { type: 'int64' }, unexpected: 0 });
    expect(await one(people, { type: 'column_type', column: 'zz', expected: 'int' })).toMatchObject({ ok: false, observed: { type: null } });
    expect((await one(people, { type: 'schema', columns: ['id', 'name', 'age', 'score', 'ts'] })).ok).toBe(true);
    expect((await one(people, { type: 'schema', columns: ['id', 'age'], allow_extra: true })).ok).toBe(true);
    expect((await one(people, { type: 'schema', columns: ['age', 'id'], allow_extra: true })).ok).toBe(false);
    expect(await one(people, { type: 'schema', columns: ['id', 'name', 'email'] })).toMatchObject({ ok: false, observed: { missing: ['email'], extra: ['age', 'score', 'ts'] } });
  });

  it('row_count and row_count_change', async () => {
    expect(await one(people, { type: 'row_count', min: 1, max: 5 })).toMatchObject({ ok: true, observed: { rows: 5 } });
    expect((await one(people, { type: 'row_count', min: 6 })).ok).toBe(false);
    const four = table([['x', 'int64']], [[1n], [2n], [3n], [4n]]);
    expect(await one(people, { type: 'row_count_change', max_ratio: 0.25 }, four)).toMatchObject({ ok: true, observed: { rows: 5, reference_rows: 4, ratio: 0.25, reference: 'HEAD' } });
    expect((await one(people, { type: 'row_count_change', max_ratio: 0.2 }, four)).ok).toBe(false);
    expect(await one(people, { type: 'row_count_change', max_ratio: 0 })).toMatchObject({ ok: true, note: 'no reference table to compare with' });
  });

  it('stat_between: mean, stdev, min, max, quantile', async () => {
    // score: 1.5, 2.5, 4, 8 (one null)
    expect(await one(people, { type: 'stat_between', column: 'score', stat: 'mean', min: 4, max: 4 })).toMatchObject({ ok: true, observed: { mean: 4, values: 4 } });
    const sd = await one(people, { type: 'stat_between', column: 'score', stat: 'stdev', max: 2 });
    expect(sd.ok).toBe(false);
    expect((sd.observed as { stdev: number }).stdev).toBeCloseTo(Math.sqrt(24.5 / 3), 12);
    expect(await one(people, { type: 'stat_between', column: 'score', stat: 'min', min: 2 })).toMatchObject({ ok: false, observed: { min: 1.5 } });
    expect(await one(people, { type: 'stat_between', column: 'score', stat: 'max', max: 8 })).toMatchObject({ ok: true, observed: { max: 8 } });
    expect(await one(people, { type: 'stat_between', column: 'score', stat: 'quantile', q: 0.5, min: 3.25, max: 3.25 })).toMatchObject({ ok: true, observed: { quantile: 3.25 } });
    expect(await one(people, { type: 'stat_between', column: 'name', stat: 'mean', min: 0 })).toMatchObject({ ok: false, error: 'stat_between needs a numeric column; name is utf8' });
  });

  it('freshness against an injected now', async () => {
    expect(await one(people, { type: 'freshness', column: 'ts', max_age: 'PT12H' })).toMatchObject({ ok: true, observed: { latest: '2024-01-04T00:00:00Z', age: 'PT12H', age_seconds: 43200 } });
    expect(await one(people, { type: 'freshness', column: 'ts', max_age: 'PT11H' })).toMatchObject({ ok: false, expected: { max_age: 'PT11H' } });
    const dates = table([['d', 'date32']], [[19_723], [19_700]]); // 2024-01-01
    expect(await one(dates, { type: 'freshness', column: 'd', max_age: 'P3D' })).toMatchObject({ ok: false, observed: { latest: '2024-01-01', age: 'P3DT12H' } });
    expect(checkTime({ FV_NOW: '2024-01-04T12:00:00Z' })).toBe(NOW);
  });

  it('missing_percent', async () => {
    const r = await one(people, { type: 'missing_percent', column: 'age', max: 10 });
    expect(r).toMatchObject({ ok: false, observed: { percent: 20, nulls: 1 }, unexpected: 1, expected: { max_percent: 10 } });
    expect(r.examples.map((e) => e.key)).toEqual([[2n]]);
    expect((await one(people, { type: 'missing_percent', column: 'age', max: 20 })).ok).toBe(true);
  });

  it('drift: psi over reference quantile bins and over categories, ks', async () => {
    const nums = (xs: number[]): Fake => table([['v', 'float64'], ['c', 'utf8']], xs.map((x, i) => [x, i % 2 ? 'a' : 'b']), [], 3);
    const ref = nums([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await one(nums([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), { type: 'drift', column: 'v', method: 'psi' }, ref)).toMatchObject({ ok: true, observed: { psi: 0, reference: 'HEAD' } });
    const shifted = await one(nums([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]), { type: 'drift', column: 'v', method: 'ks', threshold: 0.4 }, ref);
    expect(shifted).toMatchObject({ ok: false, observed: { ks: 0.5 }, expected: { method: 'ks', max: 0.4 } });
    expect(ksStatistic(Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 3]))).toBe(0);
    expect(psiNumeric(Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 2, 3, 4]), 2)).toBe(0);
    const p = psiCategories(new Map([['a', 50], ['b', 50]]), new Map([['a', 90], ['b', 10]]));
    expect(p).toBeCloseTo(0.4 * Math.log(0.9 / 0.5) + -0.4 * Math.log(0.1 / 0.5), 12);
    expect(await one(nums([1, 2, 3]), { type: 'drift', column: 'c' }, ref)).toMatchObject({ ok: true });
    expect(await one(nums([1]), { type: 'drift', column: 'c', method: 'ks' }, ref)).toMatchObject({ ok: false, error: expect.stringMatching(/needs a numeric column/) });
    expect(await one(nums([1]), { type: 'drift', column: 'v' })).toMatchObject({ ok: true, note: 'no reference table to compare with' });
  });

  it('a missing table fails every check', async () => {
    const defs = parseDefinitions('{"checks": {"gone": [{"id": "n", "type": "row_count", "min": 1, "severity": "warn"}]}}').checks.get('gone')!;
    const env = { now: 0n, reference: async () => null, readChunks: async function* () {} } as unknown as CheckEnv;
    expect(await runTableChecks('gone', null, defs, env)).toMatchObject([{ ok: false, error: 'no table gone', severity: 'warn' }]);
  });
});
