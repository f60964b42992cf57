/**
 * `fv checkout`: switch to a branch or commit, create a branch, or restore
 * tables from a rev. Switching rewinds tables and definitions together.
 *
 * Uncommitted changes are carried over when the target does not touch them
 * (as git does) and otherwise refused unless --force. Order on a switch:
 * definitions file, then HEAD, then the working state and the index; a kill
 * in between leaves a state `fv status` explains (see docs/FORMAT.md).
 */
import { refuseCaseCollision } from './refs.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import { writeFileAtomic } from '../storage/atomic-fs.js';
import { syncIndex } from '../versioning/index-sync.js';
import { checkRefName, checkTableName, DEFINITIONS_FILE } from '../versioning/layout.js';
import type { Snapshot } from '../versioning/snapshot.js';
import { saveWorking } from '../versioning/working.js';
import type { RepoContext } from './context.js';
import { refuseWhileMerging } from '../versioning/merge/merge-state.js';

export interface CheckoutOptions {
  force?: boolean;
  /** Create this branch at the target and switch to it. */
  createBranch?: string;
  /** Restore only these tables from the target; HEAD does not move. */
  tables?: string[];
}

export interface CheckoutResult {
  commit: string;
  branch: string | null;
  /** Tables restored (for the `-- <table>` form). */
  restored?: string[];
  /** Tables whose uncommitted changes were carried over. */
  carried: string[];
}

export async function checkout(ctx: RepoContext, target: string | undefined, opts: CheckoutOptions = {}): Promise<CheckoutResult> {
  return ctx.withLock('checkout', async () => {
    if (opts.tables) return restoreTables(ctx, target ?? 'HEAD', opts.tables);
    await refuseWhileMerging(ctx, 'switch branches');
    const head = await ctx.head();
    const headSnap = await ctx.snapshot(head);
    let branch: string | null = null;
    let commit: string;
    if (opts.createBranch !== undefined) {
      branch = checkRefName(opts.createBranch, 'branch');
      if ((await ctx.git.readRef(`refs/heads/${branch}`)) !== null) throw new FvError('REF_EXISTS', `branch ${branch} already exists`, { hint: `switch to it with \`fv checkout ${branch}\`` });
      await refuseCaseCollision(ctx, branch, 'branch');
      if (target === undefined && head === null) {
        // A new branch on an unborn repository: just point HEAD at it.
        await ctx.git.setHead({ branch });
        return { commit: '', branch, carried: [] };
      }
      commit = target === undefined ? head! : await ctx.resolve(target);
    } else {
      if (target === undefined) throw new FvError('BAD_USAGE', 'checkout needs a branch, tag or commit');
      if ((await ctx.git.readRef(`refs/heads/${target}`)) !== null) branch = target;
      commit = await ctx.resolve(target);
    }
    const targetSnap = await ctx.snapshot(commit);
    const ws = await ctx.working(head, headSnap);
    const carried = planCarryOver(ctx, headSnap, targetSnap, ws.tables, opts.force === true);
    const tables = new Map(targetSnap.tables);
    for (const t of carried.tables) {
      const oid = ws.tables.get(t);
      if (oid === undefined) tables.delete(t);
      else tables.set(t, oid);
    }
    if (!carried.definitions) await writeDefinitions(ctx, targetSnap.definitions);
    if (opts.createBranch !== undefined) await ctx.git.updateRef(`refs/heads/${branch}`, commit, null);
    await ctx.git.setHead(branch !== null ? { branch } : { commit });
    await saveWorking(ctx.git, { base: commit, tables });
    await syncIndex(ctx.git, (await ctx.git.readCommit(commit)).tree);
    return { commit, branch, carried: carried.tables };
  });
}

/**
 * Decides which uncommitted changes survive the switch: a change is carried
 * when the target has the same version of that table (or definitions) as
 * HEAD. Any other change blocks the switch unless forced (then it is dropped).
 */
function planCarryOver(ctx: RepoContext, head: Snapshot, target: Snapshot, working: Map<string, string>, force: boolean): { tables: string[]; definitions: boolean } {
  const dirty = [...new Set([...head.tables.keys(), ...working.keys()])].filter((t) => head.tables.get(t) !== working.get(t)).sort();
  const defs = ctx.workFile(DEFINITIONS_FILE);
  const defsDirty = (defs?.oid ?? null) !== head.definitions;
  const blocked = dirty.filter((t) => target.tables.get(t) !== head.tables.get(t));
  const defsBlocked = defsDirty && target.definitions !== head.definitions;
  if (!force && (blocked.length > 0 || defsBlocked)) {
    const what = [...blocked.map((t) => `table ${t}`), ...(defsBlocked ? [DEFINITIONS_FILE] : [])].join(', ');
    throw new FvError('DIRTY_STATE', `checkout would overwrite uncommitted changes to ${what}`, { hint: 'commit them first (`fv commit -m ...`), or pass --force to discard them' });
  }
  if (force) return { tables: [], definitions: false };
  return { tables: dirty, definitions: defsDirty };
}

/** Makes features.json in the work tree hold blob `oid` (or removes it for null). */
export async function writeDefinitions(ctx: RepoContext, oid: string | null): Promise<void> {
  const file = path.join(ctx.dir, DEFINITIONS_FILE);
  if (oid === null) {
    fs.rmSync(file, { force: true });
    return;
  }
  const current = ctx.workFile(DEFINITIONS_FILE);
  if (current?.oid === oid) return;
  await writeFileAtomic(file, await ctx.git.readBlob(oid));
}

async function restoreTables(ctx: RepoContext, rev: string, names: string[]): Promise<CheckoutResult> {
  const commit = await ctx.resolve(rev);
  const snap = await ctx.snapshot(commit);
  const ws = await ctx.working();
  for (const name of names) {
    checkTableName(name);
    if (!snap.tables.has(name) && !ws.tables.has(name)) throw new FvError('UNKNOWN_TABLE', `no table "${name}" at ${rev}`);
  }
  for (const name of names) {
    const oid = snap.tables.get(name);
    // A table absent at the rev is removed from the working state, as git does for files.
    if (oid === undefined) ws.tables.delete(name);
    else ws.tables.set(name, oid);
  }
  await saveWorking(ctx.git, ws);
  return { commit, branch: await ctx.branch(), restored: names, carried: [] };
}
