/** missing_percent: nulls are at most `max` percent (0-100) of the rows. The null rows are the unexpected ones. */
import type { CheckFactory } from './check.js';
import { columnIndex } from './check.js';

export const missingPercent: CheckFactory = (def, table) => {
  const i = columnIndex(table, def.column!);
  let nulls = 0, rows = 0;
  return {
    chunk(d, fail) {
      const col = d.columns[i]!;
      rows += d.rowCount;
      for (let r = 0; r < d.rowCount; r++) if (col[r] === null) (nulls++, fail(r));
      return d.rowCount;
    },
    finish() {
      const percent = rows === 0 ? 0 : (nulls / rows) * 100;
      return { ok: percent <= (def.max as number), observed: { percent, nulls }, expected: { max_percent: def.max! } };
    },
  };
};
