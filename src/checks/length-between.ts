/** length_between: min <= length <= max, the length of a string in Unicode code points (bytes for binary). Nulls are not judged. */
import type { Json } from '../table/canonical-json.js';
import { formatValue } from '../table/values.js';
import type { CheckFactory } from './check.js';
import { columnIndex, judgeNonNull } from './check.js';

export function codePoints(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c < 0xd800 || c > 0xdbff || k + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(k + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
  }
  return n;
}

export const lengthBetween: CheckFactory = (def, table) => {
  const i = columnIndex(table, def.column!);
  const t = table.fields[i]!.type;
  const min = def.min as number | undefined;
  const max = def.max as number | undefined;
  let shortest: number | null = null, longest: number | null = null;
  const expected: Record<string, Json> = {};
  if (min !== undefined) expected.min = min;
  if (max !== undefined) expected.max = max;
  return {
    chunk(d, fail) {
      return judgeNonNull(d, i, fail, (v) => {
        const n = v instanceof Uint8Array ? v.length : codePoints(typeof v === 'string' ? v : formatValue(v, t));
        if (shortest === null || n < shortest) shortest = n;
        if (longest === null || n > longest) longest = n;
        return (min !== undefined && n < min) || (max !== undefined && n > max);
      });
    },
    finish: () => ({ observed: { min_length: shortest, max_length: longest }, expected }),
  };
};
