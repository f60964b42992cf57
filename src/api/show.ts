/** `fv show <rev>[:<table>]`: a commit's summary, or a table's schema, statistics and first rows. */
import type { ColumnStats, TableManifest } from '../table/manifest.js';
import { manifestSchema } from '../table/manifest.js';
import { readChunks } from '../table/table-reader.js';
import type { TableData } from '../table/table-data.js';
import { concatTables } from '../table/table-data.js';
import { compareValues, parseValueAs } from '../table/values.js';
import type { FvType } from '../table/types.js';
import { typeToString } from '../table/types.js';
import type { RepoContext } from './context.js';
import { deltas, diffSnapshotTables } from './changes.js';
import type { LogEntry } from './log.js';
import { isoTime } from './log.js';
import { tableManifest } from './read.js';

export interface CommitSummary extends LogEntry {
  /** Row counts of every table in the commit. */
  rows: Record<string, number>;
}

export interface TableSummary {
  table: string;
  commit: string | null;
  rows: number;
  key: string[];
  time: string | null;
  contentHash: string;
  chunks: number;
  columns: (ColumnStats & { name: string; type: string })[];
  /** The first rows in stored order. */
  head: TableData;
}

export async function showCommit(ctx: RepoContext, rev: string): Promise<CommitSummary> {
  const oid = await ctx.resolve(rev);
  const c = await ctx.git.readCommit(oid);
  const snap = await ctx.snapshot(oid);
  const parent = await ctx.snapshot(c.parents[0] ?? null);
  const rows: Record<string, number> = {};
  for (const [name, m] of snap.tables) rows[name] = (await ctx.manifest(m, name)).rows;
  return {
    commit: oid, parents: c.parents, message: c.message.replace(/\n$/, ''), author: c.author.name, email: c.author.email,
    time: isoTime(c.author.timestamp, c.author.timezoneOffset), tables: deltas(await diffSnapshotTables(ctx, parent.tables, snap.tables)), rows,
  };
}

/** Table-level statistics folded from the per-chunk statistics in the manifest. */
export function tableColumnStats(m: TableManifest): (ColumnStats & { name: string; type: string })[] {
  const types: FvType[] = manifestSchema(m).fields.map((f) => f.type);
  return m.fields.map((f, i) => {
    let nulls = 0;
    let min: string | null = null, max: string | null = null;
    const t = types[i]!;
    // A patched table's base chunks no longer add up to its rows: the patch carries the table's statistics.
    for (const c of m.patch ? [{ columns: m.patch.columns }] : m.chunks) {
      const s = c.columns[i]!;
      nulls += s.nulls;
      if (s.min !== null && (min === null || compareValues(parseValueAs(s.min, t), parseValueAs(min, t)) < 0)) min = s.min;
      if (s.max !== null && (max === null || compareValues(parseValueAs(s.max, t), parseValueAs(max, t)) > 0)) max = s.max;
    }
    return { name: f.name, type: typeToString(t), nulls, min, max };
  });
}

/** `at`: a rev, or undefined for the working state. */
export async function showTable(ctx: RepoContext, table: string, at: string | undefined, headRows = 10): Promise<TableSummary> {
  const commit = at === undefined ? null : await ctx.resolve(at);
  const m = await tableManifest(ctx, table, commit ?? undefined);
  const parts: TableData[] = [];
  let n = 0;
  for await (const d of readChunks(ctx.git, m)) {
    parts.push(d);
    n += d.rowCount;
    if (n >= headRows) break;
  }
  const all = concatTables(manifestSchema(m).fields, parts);
  const head: TableData = { fields: all.fields, columns: all.columns.map((col) => col.slice(0, headRows)), rowCount: Math.min(headRows, all.rowCount) };
  return { table, commit, rows: m.rows, key: m.key, time: m.time, contentHash: m.content_hash, chunks: m.chunks.length, columns: tableColumnStats(m), head };
}
