/**
 * `fv diff [<a> [<b>]]`: row- and cell-level differences. No revs: HEAD
 * against the working state; one rev: that rev against the working state;
 * two revs: a against b.
 */
import type { TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import { decodeManifestPair } from '../versioning/diff/manifest-pair.js';
import { readChunks } from '../table/table-reader.js';
import type { ColumnStatsDiff, TableProfile } from '../versioning/diff/column-profile.js';
import type { TableDiff } from '../versioning/diff/table-diff.js';
import { checkTableName } from '../versioning/layout.js';
import type { RepoContext } from './context.js';
import { diffSnapshotTables } from './changes.js';

export interface DiffOptions {
  table?: string;
  /** Row changes kept per table (counts are always complete); default 100. */
  limit?: number;
  /** Also profile every changed table's columns on both sides (`fv diff --stats`). */
  stats?: boolean;
}

export interface DiffResult {
  from: string;
  to: string;
  tables: Map<string, TableDiff>;
  /** With `stats`: per changed table, per column, both profiles and PSI / KS. Unchanged tables are not profiled. */
  stats?: Map<string, Record<string, ColumnStatsDiff>>;
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
  const tables = await diffSnapshotTables(ctx, from, to, opts.limit ?? 100, opts.table, (b, a, name) => manifestsToDiff(ctx, b, a, name));
  const result: DiffResult = { from: fromRev, to: b ?? 'WORKING', tables };
  if (opts.stats) {
    // Loaded only here: the profiler and its statistics are not needed for a plain diff.
    const { compareProfiles } = await import('../versioning/diff/column-profile.js');
    result.stats = new Map();
    for (const name of tables.keys()) result.stats.set(name, compareProfiles(await profileAt(ctx, from.get(name), name), await profileAt(ctx, to.get(name), name)));
  }
  return result;
}

/**
 * Two versions of a table, read for their diff: unpatched versions come
 * back holding only the chunks the other lacks (manifest-pair.ts), the
 * chunks their diff reads, so that the chunk entries they share are not
 * even parsed. Such partial manifests stay here, out of the context's cache.
 */
async function manifestsToDiff(ctx: RepoContext, b: string | undefined, a: string | undefined, name: string): Promise<[TableManifest | null, TableManifest | null]> {
  if (b === undefined || a === undefined) return [b ? await ctx.manifest(b, name) : null, a ? await ctx.manifest(a, name) : null];
  return decodeManifestPair(await ctx.git.readBlob(b), await ctx.git.readBlob(a), `table ${name}`);
}

async function profileAt(ctx: RepoContext, oid: string | undefined, name: string): Promise<TableProfile | null> {
  if (oid === undefined) return null;
  const m = await ctx.manifest(oid, name);
  const { profileTable } = await import('../versioning/diff/column-profile.js');
  return profileTable(manifestSchema(m).fields, readChunks(ctx.git, m));
}
