/** column_type: the column exists and has exactly the expected Arrow type. */
import { typeToString } from '../table/types.js';
import type { CheckFactory } from './check.js';

export const columnType: CheckFactory = (def, table) => {
  const f = table.fields.find((x) => x.name === def.column);
  const actual = f ? typeToString(f.type) : null;
  return { finish: () => ({ ok: actual === def.expected, observed: { type: actual }, expected: { type: def.expected! } }) };
};
