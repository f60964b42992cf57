/** not_null: every row has a value in `column`. */
import type { CheckFactory } from './check.js';
import { columnIndex } from './check.js';

export const notNull: CheckFactory = (def, table) => {
  const i = columnIndex(table, def.column!);
  let nulls = 0;
  return {
    chunk(d, fail) {
      const col = d.columns[i]!;
      for (let r = 0; r < d.rowCount; r++) if (col[r] === null) (nulls++, fail(r));
      return d.rowCount;
    },
    finish: () => ({ observed: { nulls }, expected: { nulls: 0 } }),
  };
};
