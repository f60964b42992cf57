/**
 * `fv reset [--hard] <rev>`: moves the current branch (or a detached HEAD)
 * to <rev>. Without --hard nothing in the working state changes: tables and
 * features.json stay as they are, so what the branch no longer contains
 * shows up as uncommitted changes (git's default, "mixed", reset). With
 * --hard the working tables and features.json are reset to <rev> too,
 * discarding uncommitted changes; only --hard ever drops anything.
 */
import { syncIndex } from '../versioning/index-sync.js';
import { saveWorking } from '../versioning/working.js';
import { activeMergeState, clearMergeState } from '../versioning/merge/merge-state.js';
import type { RepoContext } from './context.js';
import { writeDefinitions } from './checkout.js';

export interface ResetResult {
  commit: string;
  previous: string | null;
  branch: string | null;
  hard: boolean;
}

export async function reset(ctx: RepoContext, rev: string, opts: { hard?: boolean } = {}): Promise<ResetResult> {
  return ctx.withLock('reset', async () => {
    // A merge.json left by a kill after its merge commit must go before HEAD
    // moves back to that merge's first parent, where it would look live again.
    await activeMergeState(ctx.git, { locked: true });
    const head = await ctx.head();
    const branch = await ctx.branch();
    const target = await ctx.resolve(rev);
    const ws = await ctx.working(head);
    const targetSnap = await ctx.snapshot(target);
    if (opts.hard) await writeDefinitions(ctx, targetSnap.definitions);
    await ctx.git.updateRef(branch ? `refs/heads/${branch}` : 'HEAD', target, head);
    await saveWorking(ctx.git, { base: target, tables: opts.hard ? new Map(targetSnap.tables) : ws.tables });
    await syncIndex(ctx.git, (await ctx.git.readCommit(target)).tree);
    // --hard discards the merged working state, and with it a merge in progress (as git does).
    if (opts.hard) clearMergeState(ctx.git);
    return { commit: target, previous: head, branch, hard: opts.hard === true };
  });
}
