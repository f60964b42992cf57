/** `fv status`: the branch, and how the working state differs from HEAD. */
import type { RepoContext } from './context.js';
import { diffSnapshotTables } from './changes.js';
import { activeMergeState, openConflicts } from '../versioning/merge/merge-state.js';

export type TableState = 'new' | 'modified' | 'deleted' | 'clean';

export interface StatusResult {
  branch: string | null;
  head: string | null;
  tables: Record<string, { state: TableState; added: number; removed: number; modified: number; rows: number }>;
  definitions: 'clean' | 'modified';
  merging: boolean;
  conflicts: number;
  /** What is being merged (a branch or rev), while merging. */
  mergingWith: string | null;
}

export async function status(ctx: RepoContext): Promise<StatusResult> {
  const head = await ctx.head();
  const headSnap = await ctx.snapshot(head);
  const ws = await ctx.working(head, headSnap);
  const diffs = await diffSnapshotTables(ctx, headSnap.tables, ws.tables);
  const tables: StatusResult['tables'] = {};
  for (const name of [...new Set([...headSnap.tables.keys(), ...ws.tables.keys()])].sort()) {
    const d = diffs.get(name);
    const oid = ws.tables.get(name);
    const rows = oid ? (await ctx.manifest(oid, name)).rows : 0;
    const state: TableState = !headSnap.tables.has(name) ? 'new' : !ws.tables.has(name) ? 'deleted' : d ? 'modified' : 'clean';
    tables[name] = { state, added: d?.added ?? 0, removed: d?.removed ?? 0, modified: d?.modified ?? 0, rows };
  }
  const defs = ctx.workFile('features.json');
  const merge = await activeMergeState(ctx.git, { locked: false });
  return {
    branch: await ctx.branch(),
    head,
    tables,
    definitions: (defs?.oid ?? null) === headSnap.definitions ? 'clean' : 'modified',
    merging: merge !== null,
    conflicts: openConflicts(merge).length,
    mergingWith: merge?.name ?? null,
  };
}
