/**
 * in_set / not_in_set: the value is (not) one of `values`. Values are
 * compared in the column's type: each listed value is read as that type
 * (5 matches 5.0 in a float column, "2024-01-01" a date); one that cannot be
 * read as the type matches nothing. Nulls are judged only when null is listed.
 */
import type { Scalar } from '../features/definitions.js';
import type { FvType } from '../table/types.js';
import { formatValue, parseValueAs } from '../table/values.js';
import type { CheckFactory } from './check.js';
import { columnIndex } from './check.js';

function canonicalSet(values: Scalar[], t: FvType): Set<string> {
  const out = new Set<string>();
  for (const v of values) {
    if (v === null) continue;
    try {
      out.add(formatValue(parseValueAs(String(v), t), t));
    } catch {
      // not a value of this type: matches nothing
    }
  }
  return out;
}

function setCheck(negate: boolean): CheckFactory {
  return (def, table) => {
    const i = columnIndex(table, def.column!);
    const t = table.fields[i]!.type;
    const set = canonicalSet(def.values!, t);
    const nullListed = def.values!.includes(null);
    const bad = new Map<string, number>();
    return {
      chunk(d, fail) {
        let judged = 0;
        const col = d.columns[i]!;
        for (let r = 0; r < d.rowCount; r++) {
          const v = col[r]!;
          if (v === null && !nullListed) continue;
          judged++;
          const text = v === null ? null : formatValue(v, t);
          const member = text === null ? nullListed : set.has(text);
          if (member === negate) {
            fail(r);
            const k = text === null ? 'null' : text;
            if (bad.size < 1000 || bad.has(k)) bad.set(k, (bad.get(k) ?? 0) + 1);
          }
        }
        return judged;
      },
      finish: () => ({
        // The distinct offending values (most frequent first, at most 10) with their counts.
        observed: { values: [...bad].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([value, count]) => ({ value, count })) },
        expected: { [negate ? 'not_in' : 'in']: def.values! },
      }),
    };
  };
}

export const inSet = setCheck(false);
export const notInSet = setCheck(true);
