/**
 * Per-table row deltas between two snapshots: what status, log and show
 * report. Tables whose manifests are identical are skipped without reading.
 */
import type { TableDiff } from '../versioning/diff/table-diff.js';
import { diffTable } from '../versioning/diff/table-diff.js';
import type { RepoContext } from './context.js';

export interface TableDelta {
  added: number;
  removed: number;
  modified: number;
}

export async function diffSnapshotTables(ctx: RepoContext, before: Map<string, string>, after: Map<string, string>, limit = 0, only?: string): Promise<Map<string, TableDiff>> {
  const out = new Map<string, TableDiff>();
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    if (only !== undefined && name !== only) continue;
    const b = before.get(name);
    const a = after.get(name);
    if (b === a) continue;
    const mb = b ? await ctx.manifest(b, name) : null;
    const ma = a ? await ctx.manifest(a, name) : null;
    const d = await diffTable(ctx.git, mb, ma, { limit });
    if (d.status !== 'unchanged') out.set(name, d);
  }
  return out;
}

export function deltas(diffs: Map<string, TableDiff>): Record<string, TableDelta> {
  const o: Record<string, TableDelta> = {};
  for (const [name, d] of diffs) o[name] = { added: d.added, removed: d.removed, modified: d.modified };
  return o;
}
