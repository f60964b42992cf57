/**
 * schema: the table's columns are exactly `columns`, in that order; with
 * `allow_extra`, the listed columns must all exist in that relative order
 * and other columns may appear anywhere.
 */
import type { CheckFactory } from './check.js';

export const schema: CheckFactory = (def, table) => {
  const actual = table.fields.map((f) => f.name);
  const want = def.columns!;
  let ok: boolean;
  if (def.allow_extra) {
    const pos = want.map((c) => actual.indexOf(c));
    ok = pos.every((p, k) => p >= 0 && (k === 0 || p > pos[k - 1]!));
  } else {
    ok = actual.length === want.length && actual.every((c, k) => c === want[k]);
  }
  const missing = want.filter((c) => !actual.includes(c));
  const extra = actual.filter((c) => !want.includes(c));
  return { finish: () => ({ ok, observed: { columns: actual, missing, extra }, expected: { columns: want, allow_extra: def.allow_extra ?? false } }) };
};
