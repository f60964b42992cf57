/**
 * unique: no two rows share the value of `column` (or of the compound key
 * `columns`). Rows with a null in any of those columns are not judged (SQL
 * semantics). State: one Set entry per distinct key seen.
 */
import type { Value } from '../table/types.js';
import type { CheckFactory } from './check.js';
import { columnIndex } from './check.js';

export function valueKey(v: Value): string {
  if (v instanceof Uint8Array) return 'b:' + Buffer.from(v).toString('base64');
  return (typeof v)[0] + ':' + String(v);
}

export const unique: CheckFactory = (def, table) => {
  const idx = def.columns!.map((c, k) => columnIndex(table, c, def.column !== undefined ? 'column' : `columns[${k}]`));
  const seen = new Set<string>();
  let duplicates = 0;
  return {
    chunk(d, fail) {
      let judged = 0;
      const cols = idx.map((i) => d.columns[i]!);
      for (let r = 0; r < d.rowCount; r++) {
        let k = '';
        let hasNull = false;
        for (const col of cols) {
          const v = col[r]!;
          if (v === null) hasNull = true;
          else k += (k ? '\u0000' : '') + valueKey(v);
        }
        if (hasNull) continue;
        judged++;
        if (seen.has(k)) (duplicates++, fail(r));
        else seen.add(k);
      }
      return judged;
    },
    finish: () => ({ observed: { duplicates, distinct: seen.size }, expected: { duplicates: 0 } }),
  };
};
