/**
 * `fv commit -m msg`: records the working state (every table, features.json
 * and fv.json) as a git commit on the current branch.
 *
 * Write order, for crash safety: chunk and manifest blobs already exist
 * (import wrote them); tree and commit objects are written and fsynced;
 * then the branch ref moves by compare-and-swap; then the working state and
 * git's index follow. A kill at any point leaves the branch at the old or
 * the new commit, both complete.
 */
import { FvError } from '../errors/FvError.js';
import { syncIndex } from '../versioning/index-sync.js';
import { resolveAuthor } from '../versioning/author.js';
import type { Snapshot } from '../versioning/snapshot.js';
import { writeSnapshotTree } from '../versioning/snapshot.js';
import { saveWorking } from '../versioning/working.js';
import type { RepoContext } from './context.js';
import { deltas, diffSnapshotTables } from './changes.js';
import type { TableDelta } from './changes.js';

export interface CommitOptions {
  message: string;
  author?: string;
  allowEmpty?: boolean;
  /** Extra parents (a merge); the first parent is always HEAD. */
  extraParents?: string[];
}

export interface CommitResult {
  commit: string;
  branch: string | null;
  tables: Record<string, TableDelta>;
}

export async function commit(ctx: RepoContext, opts: CommitOptions): Promise<CommitResult> {
  if (opts.message.trim() === '') throw new FvError('BAD_USAGE', 'empty commit message', { hint: 'pass -m "<message>"' });
  return ctx.withLock('commit', async () => {
    const author = await resolveAuthor(ctx.git, opts.author);
    const head = await ctx.head();
    const branch = await ctx.branch();
    const headSnap = await ctx.snapshot(head);
    const ws = await ctx.working(head, headSnap);
    const defs = ctx.workFile('features.json');
    const settings = ctx.workFile('fv.json');
    const next: Snapshot = {
      tables: new Map(ws.tables),
      tableTrees: new Map(),
      definitions: defs ? await ctx.git.writeBlob(defs.bytes) : null,
      settings: settings ? await ctx.git.writeBlob(settings.bytes) : headSnap.settings,
      other: headSnap.other,
    };
    const changes = await diffSnapshotTables(ctx, headSnap.tables, next.tables);
    const tablesChanged = [...new Set([...headSnap.tables.keys(), ...next.tables.keys()])].some((t) => headSnap.tables.get(t) !== next.tables.get(t));
    const changed = tablesChanged || next.definitions !== headSnap.definitions || next.settings !== headSnap.settings || head === null;
    if (!changed && !opts.allowEmpty && !(opts.extraParents && opts.extraParents.length > 0)) {
      throw new FvError('NOTHING_TO_COMMIT', 'nothing to commit: the working state matches HEAD', { hint: 'import or change data first, or pass --allow-empty' });
    }
    const tree = await writeSnapshotTree(ctx.git, next, headSnap);
    const parents = [...(head ? [head] : []), ...(opts.extraParents ?? [])];
    const oid = await ctx.git.writeCommit({ tree, parents, message: opts.message, author });
    await ctx.git.updateRef(branch ? `refs/heads/${branch}` : 'HEAD', oid, head);
    await saveWorking(ctx.git, { base: oid, tables: next.tables });
    await syncIndex(ctx.git, tree);
    return { commit: oid, branch, tables: deltas(changes) };
  });
}
