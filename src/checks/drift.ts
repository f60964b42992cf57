/**
 * drift: how far the column's distribution moved from the reference table
 * (`reference`, default the parent commit / HEAD).
 *   psi, numeric: `bins` bins cut at the reference's quantiles (i/bins);
 *   psi, strings (and other non-numeric types): one bin per category seen
 *     on either side; PSI = sum (cur - ref) * ln(cur / ref) over bins, empty
 *     bins counted as 0.0001;
 *   ks (numeric only): the two-sample Kolmogorov-Smirnov statistic D;
 *   chi2 (any type, values as categories): Pearson's chi-square statistic
 *     of the reference and current category counts, with its degrees of
 *     freedom.
 * Fails when the statistic exceeds `threshold` (default 0.2 for psi, 0.1 for
 * ks; required for chi2, whose scale grows with the row count). Nulls and NaN are left out. Numeric values of both sides are held in
 * memory (8 bytes per row); categories one Map entry per distinct value.
 * No reference table: the check passes with a note.
 */
import type { TableManifest } from '../table/manifest.js';
import { formatValue } from '../table/values.js';
import type { CheckEnv, CheckFactory } from './check.js';
import { CheckSetupError, columnIndex, isNumericType, NumberColumn, toNumber } from './check.js';
import { chiSquareCategories, ksStatistic, psiCategories, psiNumeric } from './drift-math.js';

export { chiSquareCategories, ksStatistic, psiCategories, psiNumeric } from './drift-math.js';

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
  // chi2 counts categories whatever the type (integer codes are categories too).
  const numeric = isNumericType(t) && def.method !== 'chi2';
  if (def.method === 'ks' && !numeric) throw new CheckSetupError(`drift with method "ks" needs a numeric column; ${def.column} is ${t.kind}; use method "psi"`, 'method');
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
  const refNumericOk = refType === undefined || def.method === 'chi2' || numeric === /^(u?int|float|decimal)/.test(refType);
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
      if (def.method === 'chi2') {
        const { chi2, dof } = chiSquareCategories(base as Map<string, number>, cur as Map<string, number>);
        return { ok: chi2 <= def.threshold!, observed: { chi2: Number.isFinite(chi2) ? chi2 : null, dof, reference: ref.rev }, expected };
      }
      let stat: number;
      if (def.method === 'ks') stat = ksStatistic((base as NumberColumn).sorted(), (cur as NumberColumn).sorted());
      else if (numeric) stat = psiNumeric((base as NumberColumn).sorted(), (cur as NumberColumn).sorted(), def.bins!);
      else stat = psiCategories(base as Map<string, number>, cur as Map<string, number>);
      return { ok: stat <= def.threshold!, observed: { [def.method!]: Number.isFinite(stat) ? stat : null, reference: ref.rev }, expected };
    },
  };
};
