/**
 * The pure distribution-distance math shared by the `drift` check and
 * `fv diff --stats`:
 *   psiNumeric: PSI over `bins` bins cut at the reference's quantiles (i/bins);
 *   psiCategories: PSI with one bin per category seen on either side;
 *   ksStatistic: the two-sample Kolmogorov-Smirnov statistic D;
 *   chiSquareCategories: Pearson's chi-square statistic of homogeneity.
 * PSI = sum over bins of (cur - ref) * ln(cur / ref) with shares, an empty
 * bin counted as 0.0001.
 */
import { quantileSorted } from './check.js';

export const PSI_EPS = 1e-4;

export function psiTerm(cur: number, ref: number): number {
  const c = Math.max(cur, PSI_EPS), r = Math.max(ref, PSI_EPS);
  return (c - r) * Math.log(c / r);
}

/** Number of edges <= x (the bin of x). */
function bin(edges: number[], x: number): number {
  let lo = 0, hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** PSI of `cur` against `ref` (both sorted ascending) over `bins` quantile bins of `ref`. */
export function psiNumeric(ref: Float64Array, cur: Float64Array, bins: number): number {
  if (ref.length === 0 || cur.length === 0) return ref.length === cur.length ? 0 : Infinity;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const e = quantileSorted(ref, k / bins)!;
    if (edges.length === 0 || e > edges[edges.length - 1]!) edges.push(e);
  }
  const count = (s: Float64Array): number[] => {
    const c = new Array<number>(edges.length + 1).fill(0);
    for (const x of s) c[bin(edges, x)]!++;
    return c.map((n) => n / s.length);
  };
  const r = count(ref), c = count(cur);
  return r.reduce((sum, rv, k) => sum + psiTerm(c[k]!, rv), 0);
}

/** PSI of category counts `cur` against `ref`. */
export function psiCategories(ref: Map<string, number>, cur: Map<string, number>): number {
  const rn = [...ref.values()].reduce((a, b) => a + b, 0);
  const cn = [...cur.values()].reduce((a, b) => a + b, 0);
  if (rn === 0 || cn === 0) return rn === cn ? 0 : Infinity;
  let sum = 0;
  for (const k of new Set([...ref.keys(), ...cur.keys()])) sum += psiTerm((cur.get(k) ?? 0) / cn, (ref.get(k) ?? 0) / rn);
  return sum;
}

/** The two-sample KS statistic: the greatest distance between the empirical CDFs (inputs sorted). */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : 1;
  let i = 0, j = 0, d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return d;
}

/**
 * Pearson's chi-square statistic of the 2 x k contingency table (reference
 * counts, current counts) over the k categories seen on either side:
 * sum over cells of (observed - expected)^2 / expected, expected = row total
 * * column total / n. Degrees of freedom k - 1. Either side empty: 0 if both
 * are, else Infinity.
 */
export function chiSquareCategories(ref: Map<string, number>, cur: Map<string, number>): { chi2: number; dof: number } {
  const rn = [...ref.values()].reduce((a, b) => a + b, 0);
  const cn = [...cur.values()].reduce((a, b) => a + b, 0);
  const keys = new Set([...ref.keys(), ...cur.keys()]);
  const dof = Math.max(keys.size - 1, 0);
  if (rn === 0 || cn === 0) return { chi2: rn === cn ? 0 : Infinity, dof };
  const n = rn + cn;
  let chi2 = 0;
  for (const k of keys) {
    const r = ref.get(k) ?? 0, c = cur.get(k) ?? 0;
    const col = r + c;
    const er = (rn * col) / n, ec = (cn * col) / n;
    chi2 += (r - er) ** 2 / er + (c - ec) ** 2 / ec;
  }
  return { chi2, dof };
}
