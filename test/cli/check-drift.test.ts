/**
 * Drift exactness: PSI (numeric, bins cut at the reference's quantiles; and
 * categorical), Pearson's chi-square and the two-sample KS statistic,
 * computed here by textbook implementations written from the definitions,
 * agree to 1e-9 with what `fv check --json` and `fv diff --stats --json`
 * report, on a few hundred rows with ties, shifted values, a new and a
 * vanished category, and nulls.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dataFile, fails, git, newRepo, ok, writeFile } from '../helpers.js';

/** A small deterministic generator (Park-Miller), so the data is fixed but not hand-picked. */
function generator(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

// ---- textbook reference implementations ----

/** Quantile by linear interpolation between closest ranks (numpy's default, R type 7). */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

const EPS = 1e-4;
function psiFromShares(ref: number[], cur: number[]): number {
  let sum = 0;
  for (let k = 0; k < ref.length; k++) {
    const r = Math.max(ref[k]!, EPS), c = Math.max(cur[k]!, EPS);
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}

/** PSI over `bins` bins whose inner edges are the reference's quantiles k/bins (equal edges merged); x goes to bin #(edges <= x). */
function psiNumeric(ref: number[], cur: number[], bins: number): number {
  const sorted = [...ref].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantile(sorted, k / bins);
    if (!edges.includes(e)) edges.push(e);
  }
  const shares = (xs: number[]): number[] => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const x of xs) counts[edges.filter((e) => e <= x).length]!++;
    return counts.map((n) => n / xs.length);
  };
  return psiFromShares(shares(ref), shares(cur));
}

function counts(xs: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

function psiCategorical(ref: string[], cur: string[]): number {
  const cats = [...new Set([...ref, ...cur])];
  const rc = counts(ref), cc = counts(cur);
  return psiFromShares(cats.map((c) => (rc.get(c) ?? 0) / ref.length), cats.map((c) => (cc.get(c) ?? 0) / cur.length));
}

/** Pearson's chi-square test of homogeneity on the 2 x k table of counts. */
function chiSquare(ref: string[], cur: string[]): { chi2: number; dof: number } {
  const cats = [...new Set([...ref, ...cur])];
  const table = [counts(ref), counts(cur)];
  const rowTotals = [ref.length, cur.length];
  const n = ref.length + cur.length;
  let chi2 = 0;
  for (const c of cats) {
    const colTotal = (table[0]!.get(c) ?? 0) + (table[1]!.get(c) ?? 0);
    for (let i = 0; i < 2; i++) {
      const expected = (rowTotals[i]! * colTotal) / n;
      chi2 += ((table[i]!.get(c) ?? 0) - expected) ** 2 / expected;
    }
  }
  return { chi2, dof: (2 - 1) * (cats.length - 1) };
}

/** sup over x of |F_a(x) - F_b(x)|, evaluated at every sample point. */
function ks(a: number[], b: number[]): number {
  const cdf = (xs: number[], x: number): number => xs.filter((v) => v <= x).length / xs.length;
  let d = 0;
  for (const x of [...a, ...b]) d = Math.max(d, Math.abs(cdf(a, x) - cdf(b, x)));
  return d;
}

// ---- the data ----

interface Side {
  x: Array<number | null>;
  cat: Array<string | null>;
}

function makeSide(seed: number, n: number, shift: number, cats: string[], weights: number[]): Side {
  const rnd = generator(seed);
  const x: Array<number | null> = [], cat: Array<string | null> = [];
  const total = weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < n; i++) {
    // Sum of three uniforms (a bell), rounded to one decimal so that ties occur.
    const v = Math.round((rnd() + rnd() + rnd()) * 10 + shift) / 10;
    x.push(i % 37 === 5 ? null : v);
    let u = rnd() * total, k = 0;
    while (u >= weights[k]!) u -= weights[k++]!;
    cat.push(i % 41 === 7 ? null : cats[k]!);
  }
  return { x, cat };
}

const REF = makeSide(7, 300, 0, ['red', 'green', 'blue', 'grey', 'black'], [5, 3, 2, 1, 1]);
const CUR = makeSide(11, 260, 2.5, ['red', 'green', 'blue', 'grey', 'white'], [3, 3, 3, 1, 2]);

function toCsv(s: Side): string {
  return 'id,x,cat\n' + s.x.map((x, i) => `${i + 1},${x === null ? '' : x.toFixed(1)},${s.cat[i] ?? ''}`).join('\n') + '\n';
}

const nums = (s: Side): number[] => s.x.filter((v): v is number => v !== null);
const cats = (s: Side): string[] => s.cat.filter((v): v is string => v !== null);

const CHECKS = [
  { id: 'x_psi10', type: 'drift', column: 'x', method: 'psi', severity: 'warn' },
  { id: 'x_psi7', type: 'drift', column: 'x', method: 'psi', bins: 7, threshold: 100, severity: 'warn' },
  { id: 'x_ks', type: 'drift', column: 'x', method: 'ks', severity: 'warn' },
  { id: 'cat_psi', type: 'drift', column: 'cat', method: 'psi', severity: 'warn' },
  { id: 'cat_chi2', type: 'drift', column: 'cat', method: 'chi2', threshold: 10, severity: 'warn' },
];

function near(actual: unknown, expected: number): void {
  expect(typeof actual).toBe('number');
  expect(Math.abs((actual as number) - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}

describe('drift exactness', () => {
  let dir = '';
  beforeAll(() => {
    dir = newRepo();
    ok(dir, ['import', dataFile('drift-ref.csv', toCsv(REF)), '--table', 'm', '--key', 'id']);
    writeFile(dir, 'features.json', JSON.stringify({ checks: { m: CHECKS } }, null, 2) + '\n');
    ok(dir, ['commit', '-m', 'reference']);
    ok(dir, ['import', dataFile('drift-cur.csv', toCsv(CUR)), '--table', 'm']);
  });

  it('the data is not trivial: ties, nulls, a shift, new and vanished categories', () => {
    expect(new Set(nums(REF)).size).toBeLessThan(nums(REF).length);
    expect(REF.x.filter((v) => v === null).length).toBeGreaterThan(0);
    expect(cats(CUR)).toContain('white');
    expect(cats(CUR)).not.toContain('black');
    expect(ks(nums(REF), nums(CUR))).toBeGreaterThan(0.15);
  });

  it('fv check --json reports PSI (numeric and categorical), chi-square and KS equal to the textbook values', () => {
    const r = JSON.parse(ok(dir, ['check', '--json']));
    const by = (id: string): { observed: Record<string, unknown>; ok: boolean; expected: Record<string, unknown> } => r.results.find((x: { check: string }) => x.check === id);
    const psi10 = psiNumeric(nums(REF), nums(CUR), 10);
    const psi7 = psiNumeric(nums(REF), nums(CUR), 7);
    const d = ks(nums(REF), nums(CUR));
    const cpsi = psiCategorical(cats(REF), cats(CUR));
    const chi = chiSquare(cats(REF), cats(CUR));
    near(by('x_psi10').observed.psi, psi10);
    near(by('x_psi7').observed.psi, psi7);
    expect(Math.abs(psi7 - psi10)).toBeGreaterThan(1e-3); // the bins matter
    near(by('x_ks').observed.ks, d);
    near(by('cat_psi').observed.psi, cpsi);
    near(by('cat_chi2').observed.chi2, chi.chi2);
    expect(by('cat_chi2').observed.dof).toBe(chi.dof);
    expect(chi.dof).toBe(5);
    // verdicts follow the thresholds
    expect(by('x_psi10')).toMatchObject({ ok: psi10 <= 0.2, expected: { method: 'psi', max: 0.2 }, observed: { reference: git(dir, ['rev-parse', 'HEAD']).stdout.trim() } }); // default reference: HEAD, by commit id
    expect(by('x_psi7').ok).toBe(true);
    expect(by('x_ks')).toMatchObject({ ok: d <= 0.1, expected: { method: 'ks', max: 0.1 } });
    expect(by('cat_chi2')).toMatchObject({ ok: chi.chi2 <= 10, expected: { method: 'chi2', max: 10 } });
  });

  it('fv diff --stats --json reports the same PSI, KS and chi-square', () => {
    const s = JSON.parse(ok(dir, ['diff', '--stats', '--json'])).tables.m.stats;
    expect(s.x.before.sampled).toBe(false);
    expect(s.x.after.sampled).toBe(false);
    near(s.x.psi, psiNumeric(nums(REF), nums(CUR), 10));
    near(s.x.ks, ks(nums(REF), nums(CUR)));
    expect(s.x.chi2).toBeNull();
    near(s.cat.psi, psiCategorical(cats(REF), cats(CUR)));
    near(s.cat.chi2, chiSquare(cats(REF), cats(CUR)).chi2);
    expect(s.cat.ks).toBeNull();
    expect(ok(dir, ['diff', '--stats'])).toMatch(/drift\s+psi [\d.]+\s+chi2 [\d.]+$/m);
  });

  it('chi2 needs a threshold', () => {
    const d2 = newRepo();
    ok(d2, ['import', dataFile('drift-t.csv', 'id,cat\n1,a\n'), '--table', 'm', '--key', 'id']);
    writeFile(d2, 'features.json', JSON.stringify({ checks: { m: [{ id: 'c', type: 'drift', column: 'cat', method: 'chi2', severity: 'warn' }] } }));
    fails(d2, ['check'], /^fv: error: features\.json: checks\.m\[0\]\.threshold: is required for method "chi2"/);
  });
});
