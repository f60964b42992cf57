/** between: min <= value <= max (strict_min / strict_max make a bound exclusive); nulls are not judged. */
import type { Json } from '../table/canonical-json.js';
import type { CheckFactory } from './check.js';
import { columnIndex, judgeNonNull } from './check.js';
import { boundComparer, MinMax } from './bounds.js';

export const between: CheckFactory = (def, table) => {
  const i = columnIndex(table, def.column!);
  const t = table.fields[i]!.type;
  const lo = def.min === undefined ? null : boundComparer(def.min, t, 'min');
  const hi = def.max === undefined ? null : boundComparer(def.max, t, 'max');
  const seen = new MinMax();
  const expected: Record<string, Json> = {};
  if (def.min !== undefined) expected[def.strict_min ? 'greater_than' : 'min'] = def.min;
  if (def.max !== undefined) expected[def.strict_max ? 'less_than' : 'max'] = def.max;
  return {
    chunk(d, fail) {
      return judgeNonNull(d, i, fail, (v) => {
        seen.add(v);
        const a = lo ? lo(v) : 1;
        const b = hi ? hi(v) : -1;
        return a < 0 || (a === 0 && def.strict_min === true) || b > 0 || (b === 0 && def.strict_max === true);
      });
    },
    finish: () => ({ observed: seen.json(t), expected }),
  };
};
