/** The `diff --json` document (SPEC section 2). */
import type { DiffResult } from '../api/diff.js';
import type { ColumnStats, ColumnStatsDiff } from '../versioning/diff/column-profile.js';
import type { Json } from '../table/canonical-json.js';
import type { FvType, Value } from '../table/types.js';
import { valueToJson } from '../table/values.js';

export function diffToJson(r: DiffResult): Json {
  const tables: Record<string, Json> = {};
  for (const [name, d] of r.tables) {
    const types = new Map<string, FvType>([...d.fieldsBefore, ...d.fieldsAfter].map((f) => [f.name, f.type]));
    const rec = (o: Record<string, Value> | null): Json => {
      if (o === null) return null;
      const out: Record<string, Json> = {};
      for (const [c, v] of Object.entries(o)) out[c] = valueToJson(v, types.get(c)!);
      return out;
    };
    tables[name] = {
      status: d.status, added: d.added, removed: d.removed, modified: d.modified,
      schema: { added: d.schema.added, removed: d.schema.removed, changed: d.schema.changed },
      rows: d.rows.map((row) => ({ op: row.op, key: row.key.map((v, i) => valueToJson(v, types.get(d.key[i]!)!)), before: rec(row.before), after: rec(row.after) })),
    };
    const stats = r.stats?.get(name);
    if (stats !== undefined) (tables[name] as Record<string, Json>).stats = statsToJson(stats);
  }
  return { from: r.from, to: r.to, tables };
}

function profileToJson(p: ColumnStats | null): Json {
  if (p === null) return null;
  return {
    type: p.type, kind: p.kind, count: p.count, nulls: p.nulls, distinct: p.distinct, distinct_exact: p.distinctExact,
    min: p.min, max: p.max, mean: p.mean, stdev: p.stdev, quantiles: p.quantiles,
    top: p.top, top_exact: p.topExact, histogram: p.histogram, histogram_range: p.histogramRange, sampled: p.sampled,
  };
}

/** The `stats` member of a table in `diff --stats --json`. */
export function statsToJson(stats: Record<string, ColumnStatsDiff>): Json {
  const out: Record<string, Json> = {};
  for (const [c, s] of Object.entries(stats)) out[c] = { before: profileToJson(s.before), after: profileToJson(s.after), psi: s.psi, ks: s.ks, chi2: s.chi2 };
  return out;
}
