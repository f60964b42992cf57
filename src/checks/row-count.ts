/** row_count: min <= number of rows <= max (read from the manifest; no rows are read). */
import type { Json } from '../table/canonical-json.js';
import type { CheckFactory } from './check.js';

export const rowCount: CheckFactory = (def, table) => {
  const n = table.manifest.rows;
  const min = def.min as number | undefined;
  const max = def.max as number | undefined;
  const expected: Record<string, Json> = {};
  if (min !== undefined) expected.min = min;
  if (max !== undefined) expected.max = max;
  return { finish: () => ({ ok: (min === undefined || n >= min) && (max === undefined || n <= max), observed: { rows: n }, expected }) };
};
