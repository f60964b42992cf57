/**
 * Per-table row deltas between two snapshots: what status, log and show
 * report. Tables whose manifests are identical are skipped without reading.
 */
import type { TableManifest } from '../table/manifest.js';
import type { TableDiff } from '../versioning/diff/table-diff.js';
import { diffTable } from '../versioning/diff/table-diff.js';
import type { RepoContext } from './context.js';

export interface TableDelta {
  added: number;
  removed: number;
  modified: number;
}

/** The two manifests (by blob id, either absent) whose difference is wanted. */
export type ManifestPairReader = (before: string | undefined, after: string | undefined, table: string) => Promise<[TableManifest | null, TableManifest | null]>;

export async function diffSnapshotTables(ctx: RepoContext, before: Map<string, string>, after: Map<string, string>, limit = 0, only?: string, readPair?: ManifestPairReader): Promise<Map<string, TableDiff>> {
  const out = new Map<string, TableDiff>();
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    if (only !== undefined && name !== only) continue;
    const b = before.get(name);
    const a = after.get(name);
    if (b === a) continue;
    const [mb, ma] = readPair ? await readPair(b, a, name) : [b ? await ctx.manifest(b, name) : null, a ? await ctx.manifest(a, name) : null];
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
