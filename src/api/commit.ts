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
import { activeMergeState, clearMergeState, openConflicts } from '../versioning/merge/merge-state.js';
import type { Person } from '../storage/git.js';
import { loadDefinitions } from '../features/definitions.js';
import { verifyChecks } from '../checks/runner.js';
import type { RepoContext } from './context.js';
import { deltas, diffSnapshotTables } from './changes.js';
import type { TableDelta } from './changes.js';

export interface CommitOptions {
  /** Required, except when committing a merge (its default message is used). */
  message?: string;
  author?: string;
  allowEmpty?: boolean;
  /** Extra parents (a merge); the first parent is always HEAD. */
  extraParents?: string[];
  /** Skip the data checks (features.json is still validated). */
  noVerify?: boolean;
}

export interface CommitResult {
  commit: string;
  branch: string | null;
  message: string;
  tables: Record<string, TableDelta>;
}

export async function commit(ctx: RepoContext, opts: CommitOptions): Promise<CommitResult> {
  return ctx.withLock('commit', async () => {
    const head = await ctx.head();
    const merge = await activeMergeState(ctx.git, { locked: true });
    if (merge !== null) {
      if (merge.head !== head) throw new FvError('MERGE_IN_PROGRESS', `HEAD moved during the merge of ${merge.name}`, { hint: 'run `fv merge --abort` and merge again' });
      const open = openConflicts(merge).length;
      if (open > 0) throw new FvError('MERGE_CONFLICTS', `cannot commit: ${open} merge conflict${open === 1 ? '' : 's'} not resolved`, { hint: 'see `fv conflicts`, then `fv resolve <table> --ours|--theirs`, or `fv merge --abort`' });
    }
    const message = opts.message ?? merge?.message;
    const author = await resolveAuthorChecked(ctx, message, opts.author);
    await commitGate(ctx, head, opts.noVerify === true);
    const extraParents = [...(opts.extraParents ?? []), ...(merge && !merge.revert ? [merge.theirs] : [])];
    const r = await commitLocked(ctx, { ...opts, message: message!, extraParents }, author);
    if (merge !== null) clearMergeState(ctx.git);
    return r;
  });
}

/**
 * Before anything is written: features.json must be valid, and the
 * error-severity checks of the tables being committed must pass (all tables
 * with checks when the definitions changed). Throws ChecksFailed otherwise.
 */
async function commitGate(ctx: RepoContext, head: string | null, noVerify: boolean): Promise<void> {
  const headSnap = await ctx.snapshot(head);
  const defs = ctx.workFile('features.json');
  const loaded = await loadDefinitions(ctx);
  if (noVerify || defs === null || loaded.defs.checks.size === 0) return;
  const ws = await ctx.working(head, headSnap);
  const changed = [...ws.tables.keys()].filter((t) => headSnap.tables.get(t) !== ws.tables.get(t));
  const defsChanged = defs.oid !== headSnap.definitions;
  const tables = defsChanged ? undefined : changed.filter((t) => loaded.defs.checks.has(t));
  if (tables !== undefined && tables.length === 0) return;
  await verifyChecks(ctx, { tables });
}

/** Checks the message and finds the author: what must hold before anything is written. */
export async function resolveAuthorChecked(ctx: RepoContext, message: string | undefined, author: string | undefined): Promise<Person> {
  if (message === undefined || message.trim() === '') throw new FvError('BAD_USAGE', 'empty commit message', { hint: 'pass -m "<message>"' });
  return resolveAuthor(ctx.git, author);
}

/** The commit itself, for a caller that holds the lock (commit, merge). */
export async function commitLocked(ctx: RepoContext, opts: CommitOptions & { message: string }, author: Person): Promise<CommitResult> {
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
  // The manifests diffSnapshotTables decoded are reused (ctx caches them by blob id).
  const tree = await writeSnapshotTree(ctx.git, next, headSnap, (oid, name) => ctx.manifest(oid, name));
  const parents = [...(head ? [head] : []), ...(opts.extraParents ?? [])];
  const oid = await ctx.git.writeCommit({ tree, parents, message: opts.message, author });
  await ctx.git.updateRef(branch ? `refs/heads/${branch}` : 'HEAD', oid, head);
  await saveWorking(ctx.git, { base: oid, tables: next.tables });
  await syncIndex(ctx.git, tree);
  return { commit: oid, branch, message: opts.message, tables: deltas(changes) };
}
