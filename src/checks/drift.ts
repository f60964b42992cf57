/**
 * drift: how far the column's distribution moved from the reference table
 * (`reference`, default the parent commit / HEAD).
 *   psi, numeric: `bins` bins cut at the reference's quantiles (i/bins);
 *   psi, strings (and other non-numeric types): one bin per category seen
 *     on either side; PSI = sum (cur - ref) * ln(cur / ref) over bins, empty
 *     bins counted as 0.0001;
 *   ks (numeric only): the two-sample Kolmogorov-Smirnov statistic D.
 * Fails when the statistic exceeds `threshold` (default 0.2 for psi, 0.1 for
 * ks). Nulls and NaN are left out. Numeric values of both sides are held in
 * memory (8 bytes per row); categories one Map entry per distinct value.
 * No reference table: the check passes with a note.
 */
import type { TableManifest } from '../table/manifest.js';
import { formatValue } from '../table/values.js';
import type { CheckEnv, CheckFactory } from './check.js';
import { CheckSetupError, columnIndex, isNumericType, NumberColumn, quantileSorted, toNumber } from './check.js';

const EPS = 1e-4;

function psiTerm(cur: number, ref: number): number {
  const c = Math.max(cur, EPS), r = Math.max(ref, EPS);
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

interface Collector {
  add(col: unknown[], n: number): void;
}

async function collectReference(env: CheckEnv, m: TableManifest, column: string, into: Collector): Promise<boolean> {
  const k = m.fields.findIndex((f) => f.name === column);
  if (k < 0) return false;
  for await (const d of env.readChunks(m)) into.add(d.columns[k]!, d.rowCount);
  return true;
}

export const drift: CheckFactory = async (def, table, env) => {
  const i = columnIndex(table, def.column!);
  const t = table.fields[i]!.type;
  const numeric = isNumericType(t);
  if (def.method === 'ks' && !numeric) throw new CheckSetupError(`drift with method "ks" needs a numeric column; ${def.column} is ${t.kind}; use method "psi"`);
  const expected = { method: def.method!, max: def.threshold! };
  const ref = await env.reference(def);
  if (ref === null) return { finish: () => ({ ok: true, observed: { [def.method!]: null }, expected, note: 'no reference table to compare with' }) };
  const refType = ref.manifest.fields.find((f) => f.name === def.column)?.type;
  const newNums = (): NumberColumn & Collector => {
    const c = new NumberColumn() as NumberColumn & Collector;
    c.add = (col, n) => {
      for (let r = 0; r < n; r++) {
        const x = toNumber(col[r] as never, t);
        if (x !== null && !Number.isNaN(x)) c.push(x);
      }
    };
    return c;
  };
  const newCats = (): Map<string, number> & Collector => {
    const m = new Map<string, number>() as Map<string, number> & Collector;
    m.add = (col, n) => {
      for (let r = 0; r < n; r++) {
        const v = col[r] as never;
        if (v === null) continue;
        const k = formatValue(v, t);
        m.set(k, (m.get(k) ?? 0) + 1);
      }
    };
    return m;
  };
  const refNumericOk = refType === undefined || numeric === /^(u?int|float|decimal)/.test(refType);
  if (!refNumericOk) throw new CheckSetupError(`column ${def.column} changed kind since the reference ${ref.rev} (${refType}); drift cannot compare them`);
  const cur = numeric ? newNums() : newCats();
  const base = numeric ? newNums() : newCats();
  const had = await collectReference(env, ref.manifest, def.column!, base);
  if (!had) return { finish: () => ({ ok: true, observed: { [def.method!]: null }, expected, note: `no column ${def.column} at the reference` }) };
  return {
    chunk(d) {
      cur.add(d.columns[i]!, d.rowCount);
      return 0;
    },
    finish() {
      let stat: number;
      if (def.method === 'ks') stat = ksStatistic((base as NumberColumn).sorted(), (cur as NumberColumn).sorted());
      else if (numeric) stat = psiNumeric((base as NumberColumn).sorted(), (cur as NumberColumn).sorted(), def.bins!);
      else stat = psiCategories(base as Map<string, number>, cur as Map<string, number>);
      return { ok: stat <= def.threshold!, observed: { [def.method!]: Number.isFinite(stat) ? stat : null, reference: ref.rev }, expected };
    },
  };
};
