/** `fv log`: history from HEAD (or a rev), newest first, with per-table row deltas. */
import type { RepoContext } from './context.js';
import { deltas, diffSnapshotTables } from './changes.js';
import type { TableDelta } from './changes.js';

export interface LogEntry {
  commit: string;
  parents: string[];
  message: string;
  author: string;
  email: string;
  time: string;
  tables: Record<string, TableDelta>;
}

export interface LogOptions {
  rev?: string;
  table?: string;
  limit?: number;
}

export function isoTime(seconds: number, tzOffsetMinutes: number): string {
  // git stores the offset as minutes *behind* UTC (JS convention); show local time with it.
  const local = new Date((seconds - tzOffsetMinutes * 60) * 1000).toISOString().replace('.000Z', '');
  const off = -tzOffsetMinutes;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

export async function log(ctx: RepoContext, opts: LogOptions = {}): Promise<LogEntry[]> {
  const start = opts.rev ? await ctx.resolve(opts.rev) : await ctx.head();
  if (start === null) return [];
  const out: LogEntry[] = [];
  const seen = new Set<string>([start]);
  // Newest first across merges: always expand the most recent pending commit.
  const pending = [await ctx.git.readCommit(start)];
  const limit = opts.limit ?? Infinity;
  while (pending.length > 0 && out.length < limit) {
    pending.sort((a, b) => b.author.timestamp - a.author.timestamp);
    const c = pending.shift()!;
    const snap = await ctx.snapshot(c.oid);
    const parentSnap = await ctx.snapshot(c.parents[0] ?? null);
    const diffs = await diffSnapshotTables(ctx, parentSnap.tables, snap.tables, 0, opts.table);
    const include = opts.table === undefined || diffs.has(opts.table);
    if (include) {
      out.push({
        commit: c.oid,
        parents: c.parents,
        message: c.message.replace(/\n$/, ''),
        author: c.author.name,
        email: c.author.email,
        time: isoTime(c.author.timestamp, c.author.timezoneOffset),
        tables: deltas(diffs),
      });
    }
    for (const p of c.parents) {
      if (seen.has(p)) continue;
      seen.add(p);
      pending.push(await ctx.git.readCommit(p));
    }
  }
  return out;
}
