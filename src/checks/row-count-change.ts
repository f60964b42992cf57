/**
 * row_count_change: |rows - reference rows| / reference rows <= max_ratio.
 * The reference is `reference` (a rev) or, by default, the parent of the
 * commit checked (HEAD for the working state). No reference table (first
 * commit, new table): the check passes with a note. A reference of 0 rows
 * allows only 0 rows.
 */
import type { CheckFactory } from './check.js';

export const rowCountChange: CheckFactory = async (def, table, env) => {
  const ref = await env.reference(def);
  const rows = table.manifest.rows;
  const expected = { max_ratio: def.max_ratio! };
  if (ref === null) return { finish: () => ({ ok: true, observed: { rows, reference_rows: null, ratio: null }, expected, note: 'no reference table to compare with' }) };
  const before = ref.manifest.rows;
  const ratio = before === 0 ? (rows === 0 ? 0 : null) : Math.abs(rows - before) / before;
  return { finish: () => ({ ok: ratio !== null && ratio <= def.max_ratio!, observed: { rows, reference_rows: before, ratio, reference: ref.rev }, expected }) };
};
