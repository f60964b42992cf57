/**
 * `fv diff [<a> [<b>]]`: row- and cell-level differences. No revs: HEAD
 * against the working state; one rev: that rev against the working state;
 * two revs: a against b.
 */
import type { TableDiff } from '../versioning/diff/table-diff.js';
import { checkTableName } from '../versioning/layout.js';
import type { RepoContext } from './context.js';
import { diffSnapshotTables } from './changes.js';

export interface DiffOptions {
  table?: string;
  /** Row changes kept per table (counts are always complete); default 100. */
  limit?: number;
}

export interface DiffResult {
  from: string;
  to: string;
  tables: Map<string, TableDiff>;
}

async function tablesAt(ctx: RepoContext, rev: string | null): Promise<Map<string, string>> {
  if (rev === null) return (await ctx.working()).tables;
  return (await ctx.snapshot(await ctx.resolve(rev))).tables;
}

export async function diff(ctx: RepoContext, a: string | undefined, b: string | undefined, opts: DiffOptions = {}): Promise<DiffResult> {
  if (opts.table !== undefined) checkTableName(opts.table);
  const fromRev = a ?? 'HEAD';
  const from = (await ctx.head()) === null && a === undefined ? new Map<string, string>() : await tablesAt(ctx, fromRev);
  const to = await tablesAt(ctx, b ?? null);
  const tables = await diffSnapshotTables(ctx, from, to, opts.limit ?? 100, opts.table);
  return { from: fromRev, to: b ?? 'WORKING', tables };
}
