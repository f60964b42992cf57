/**
 * regex: the value's text form matches `pattern` (JavaScript syntax, Unicode
 * mode, search semantics: anchor with ^ and $ to match the whole value).
 * Nulls are not judged.
 */
import { formatValue } from '../table/values.js';
import type { CheckFactory } from './check.js';
import { columnIndex, judgeNonNull } from './check.js';

export const regex: CheckFactory = (def, table) => {
  const i = columnIndex(table, def.column!);
  const t = table.fields[i]!.type;
  const re = new RegExp(def.pattern!, 'u');
  let mismatches = 0;
  return {
    chunk(d, fail) {
      return judgeNonNull(d, i, fail, (v) => {
        const bad = !re.test(typeof v === 'string' ? v : formatValue(v, t));
        if (bad) mismatches++;
        return bad;
      });
    },
    finish: () => ({ observed: { mismatches }, expected: { pattern: def.pattern! } }),
  };
};
