/** `fv diff --stats`: per-column profiles of both sides with PSI / KS, figures checked against their definitions. */
import { beforeAll, describe, expect, it } from 'vitest';
import { openRepository } from '../../src/index.js';
import { dataFile, expectGitClean, newRepo, ok } from '../helpers.js';

// Independent reference implementations, straight from the definitions.
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};
/** numpy's default (linear interpolation between closest ranks). */
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? 0) - s[lo]!);
};
const psiTerm = (c: number, r: number): number => {
  const cc = Math.max(c, 1e-4), rr = Math.max(r, 1e-4);
  return (cc - rr) * Math.log(cc / rr);
};
/** PSI over 10 bins cut at the before side's deciles; a value x falls in the bin of (number of edges <= x). */
const psiNumeric = (before: number[], after: number[]): number => {
  const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => quantile(before, k / 10));
  const shares = (xs: number[]): number[] => {
    const c = new Array(10).fill(0);
    for (const x of xs) c[edges.filter((e) => e <= x).length]++;
    return c.map((n) => n / xs.length);
  };
  const b = shares(before), a = shares(after);
  return b.reduce((s, bv, k) => s + psiTerm(a[k]!, bv), 0);
};
const ks = (a: number[], b: number[]): number => {
  const cdf = (xs: number[], x: number): number => xs.filter((v) => v <= x).length / xs.length;
  return Math.max(...[...a, ...b].map((x) => Math.abs(cdf(a, x) - cdf(b, x))));
};

const before = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const after = [...before, 100];

function setup(): string {
  const dir = newRepo();
  const day = (i: number): string => `2024-01-${String(i).padStart(2, '0')}T00:00:00Z`;
  const b = ['id,x,cat,ts', ...before.map((x, i) => `${i + 1},${x},${i < 6 ? 'a' : 'b'},${day(i + 1)}`)].join('\n') + '\n';
  const a = ['id,x,cat,ts', ...before.map((x, i) => `${i + 1},${x},${i < 3 ? 'a' : 'c'},${day(i + 1)}`), '11,100,,2024-02-01T00:00:00Z'].join('\n') + '\n';
  ok(dir, ['import', dataFile('stats-b.csv', b), '--table', 't', '--key', 'id']);
  ok(dir, ['import', dataFile('stats-same.csv', 'k,v\n1,2\n'), '--table', 'same', '--key', 'k']);
  ok(dir, ['commit', '-m', 'before']);
  ok(dir, ['import', dataFile('stats-a.csv', a), '--table', 't']);
  ok(dir, ['commit', '-m', 'after']);
  return dir;
}

describe('diff --stats', () => {
  let dir = '';
  beforeAll(() => {
    dir = setup();
  });

  it('profiles a numeric column on both sides with exact figures, PSI and KS', () => {
    const j = JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--stats', '--json']));
    expect(Object.keys(j.tables)).toEqual(['t']); // the unchanged table is skipped
    const x = j.tables.t.stats.x;
    expect(x.before).toMatchObject({ type: 'int64', kind: 'numeric', count: 10, nulls: 0, distinct: 10, distinct_exact: true, min: 1, max: 10, sampled: false });
    expect(x.after).toMatchObject({ count: 11, nulls: 0, distinct: 11, distinct_exact: true, min: 1, max: 100 });
    expect(x.before.mean).toBeCloseTo(5.5, 10);
    expect(x.after.mean).toBeCloseTo(mean(after), 10);
    expect(x.after.mean).toBeCloseTo(14.0909, 4);
    expect(x.before.stdev).toBeCloseTo(stdev(before), 10);
    expect(x.before.stdev).toBeCloseTo(3.0277, 4);
    expect(x.after.stdev).toBeCloseTo(stdev(after), 10);
    expect(x.after.stdev).toBeCloseTo(28.6372, 4);
    for (const [name, q] of [['p1', 0.01], ['p25', 0.25], ['p50', 0.5], ['p75', 0.75], ['p99', 0.99]] as const) {
      expect(x.before.quantiles[name]).toBeCloseTo(quantile(before, q), 10);
      expect(x.after.quantiles[name]).toBeCloseTo(quantile(after, q), 10);
    }
    expect(x.after.quantiles.p99).toBeCloseTo(91, 10);
    // equal-width bins over the before side's 1..10; 100 clamps into the last bin
    expect(x.before.histogram).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(x.after.histogram).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(x.before.histogram_range).toEqual([1, 10]);
    expect(x.psi).toBeCloseTo(psiNumeric(before, after), 10);
    expect(x.psi).toBeCloseTo(9 * (1 / 11 - 0.1) * Math.log(1 / 11 / 0.1) + (2 / 11 - 0.1) * Math.log(2 / 11 / 0.1), 10);
    expect(x.ks).toBeCloseTo(ks(before, after), 10);
    expect(x.ks).toBeCloseTo(1 / 11, 10);
    expectGitClean(dir);
  });

  it('gives top categories, nulls and category PSI for strings', () => {
    const c = JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--stats', '--json', '--table', 't'])).tables.t.stats.cat;
    expect(c.before).toMatchObject({ type: 'utf8', kind: 'categorical', count: 10, nulls: 0, distinct: 2, distinct_exact: true, min: 'a', max: 'b', mean: null, stdev: null, quantiles: null, histogram: null });
    expect(c.before.top).toEqual([{ value: 'a', count: 6 }, { value: 'b', count: 4 }]);
    expect(c.after).toMatchObject({ count: 11, nulls: 1, distinct: 2, min: 'a', max: 'c', top_exact: true });
    expect(c.after.top).toEqual([{ value: 'c', count: 7 }, { value: 'a', count: 3 }]);
    // shares of non-null values: before a .6 b .4; after a .3 c .7
    expect(c.psi).toBeCloseTo(psiTerm(0.3, 0.6) + psiTerm(0, 0.4) + psiTerm(0.7, 0), 10);
    expect(c.ks).toBeNull();
  });

  it('treats timestamps as numbers but shows them as dates', () => {
    const t = JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--stats', '--json'])).tables.t.stats.ts;
    expect(t.before.kind).toBe('temporal');
    expect(t.before.type).toMatch(/^timestamp\[/);
    expect(t.before).toMatchObject({ count: 10, min: '2024-01-01T00:00:00Z', max: '2024-01-10T00:00:00Z', mean: '2024-01-05T12:00:00Z' });
    expect(t.before.quantiles.p50).toBe('2024-01-05T12:00:00Z');
    expect(t.after).toMatchObject({ count: 11, max: '2024-02-01T00:00:00Z' });
    expect(t.after.quantiles.p50).toBe('2024-01-06T00:00:00Z');
    expect(t.before.histogram).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(t.ks).toBeCloseTo(1 / 11, 10);
    expect(t.psi).toBeCloseTo(psiNumeric(before, after), 10);
  });

  it('prints aligned before -> after blocks with side-by-side sparklines', () => {
    const out = ok(dir, ['diff', 'HEAD~1', 'HEAD', '--stats']);
    expect(out).toContain('t  modified');
    expect(out).toMatch(/^ {4}count\s+10\s+->\s+11$/m);
    expect(out).toMatch(/^ {4}max\s+10\s+->\s+100$/m);
    expect(out).toMatch(/^ {4}mean\s+5\.5\s+->\s+14\.0909$/m);
    // shares 1/10 each vs 1/11 and 2/11, on one scale
    expect(out).toMatch(/^ {4}histogram\s+▅{10}\s+->\s+▅{9}█$/m);
    expect(out).toMatch(/^ {4}top\s+a:6 b:4\s+->\s+c:7 a:3$/m);
    expect(out).toMatch(/^ {4}drift\s+psi [\d.]+\s+ks 0\.0909091$/m);
    expect(out).toContain('max        2024-01-10T00:00:00Z');
    expect(out).toContain('not profiled');
    // without --stats the row listing is unchanged
    expect(ok(dir, ['diff', 'HEAD~1', 'HEAD'])).not.toContain('histogram');
    expect(JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--json'])).tables.t.stats).toBeUndefined();
  });

  it('profiles an added table on one side only (working state against HEAD)', () => {
    ok(dir, ['import', dataFile('stats-new.csv', 'k,v\n1,2.5\n2,\n'), '--table', 'n', '--key', 'k']);
    const s = JSON.parse(ok(dir, ['diff', '--stats', '--json'])).tables.n.stats.v;
    expect(s.before).toBeNull();
    expect(s.after).toMatchObject({ type: 'float64', count: 2, nulls: 1, min: 2.5, max: 2.5, mean: 2.5, stdev: null, histogram: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    expect(s.psi).toBeNull();
    expect(s.ks).toBeNull();
    expect(ok(dir, ['diff', '--stats'])).toMatch(/count\s+\(none\)\s+->\s+2/);
  });

  it('is exposed on the library as repo.diff(a, b, {stats: true})', async () => {
    const repo = await openRepository(dir);
    const r = await repo.diff('HEAD~1', 'HEAD', { stats: true, table: 't', limit: 0 });
    const x = r.stats!.get('t')!.x!;
    expect(x.before!.distinctExact).toBe(true);
    expect(x.after!.max).toBe(100n); // int64 values stay exact (bigint) in the library's JSON form
    expect(x.ks).toBeCloseTo(1 / 11, 10);
    expect((await repo.diff('HEAD~1', 'HEAD')).stats).toBeUndefined();
  });
});
