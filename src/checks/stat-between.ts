/**
 * stat_between: a statistic of the column's non-null, non-NaN numeric values
 * lies in [min, max]. mean and stdev (sample, n - 1) stream with Welford's
 * method; min and max stream; quantile q (linear interpolation, numpy's
 * default) sorts every value: 8 bytes of memory per row, so about 800 MB for
 * 100 million rows. No values: the check fails with observed null.
 */
import type { Json } from '../table/canonical-json.js';
import type { CheckFactory } from './check.js';
import { CheckSetupError, columnIndex, isNumericType, NumberColumn, quantileSorted, toNumber } from './check.js';

export const statBetween: CheckFactory = (def, table) => {
  const i = columnIndex(table, def.column!);
  const t = table.fields[i]!.type;
  if (!isNumericType(t)) throw new CheckSetupError(`stat_between needs a numeric column; ${def.column} is ${t.kind}`, 'column');
  let n = 0, mean = 0, m2 = 0, min = Infinity, max = -Infinity;
  const all = def.stat === 'quantile' ? new NumberColumn() : null;
  const expected: Record<string, Json> = { stat: def.stat! };
  if (def.q !== undefined) expected.q = def.q;
  if (def.min !== undefined) expected.min = def.min;
  if (def.max !== undefined) expected.max = def.max;
  return {
    chunk(d) {
      const col = d.columns[i]!;
      for (let r = 0; r < d.rowCount; r++) {
        const x = toNumber(col[r]!, t);
        if (x === null || Number.isNaN(x)) continue;
        n++;
        const delta = x - mean;
        mean += delta / n;
        m2 += delta * (x - mean);
        if (x < min) min = x;
        if (x > max) max = x;
        all?.push(x);
      }
      return 0;
    },
    finish() {
      let value: number | null;
      if (n === 0) value = null;
      else if (def.stat === 'mean') value = mean;
      else if (def.stat === 'stdev') value = n < 2 ? null : Math.sqrt(m2 / (n - 1));
      else if (def.stat === 'min') value = min;
      else if (def.stat === 'max') value = max;
      else value = quantileSorted(all!.sorted(), def.q!);
      const ok = value !== null && Number.isFinite(value) && (def.min === undefined || value >= (def.min as number)) && (def.max === undefined || value <= (def.max as number));
      return { ok, observed: { [def.stat!]: value !== null && Number.isFinite(value) ? value : null, values: n }, expected };
    },
  };
};
