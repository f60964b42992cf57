/**
 * `fv revert <rev>`: a new commit that undoes exactly the row changes <rev>
 * made, merged three-way against everything since, so later changes to
 * other rows survive. It is the merge of <rev>'s parent into HEAD with
 * <rev> as the base (git's revert works the same way). Conflicts are handled
 * as in a merge (`fv conflicts`, `fv resolve`, `fv merge --abort`, then
 * `fv commit`); the commit has one parent.
 */
import { FvError } from '../errors/FvError.js';
import type { MergeConflict } from '../versioning/merge/conflict.js';
import { emptySnapshot } from '../versioning/snapshot.js';
import { resolveAuthorChecked } from './commit.js';
import type { RepoContext } from './context.js';
import { applyMerge, computeMerge, refuseWhileMerging, requireCleanWorkingState } from './merge.js';

export interface RevertOptions {
  message?: string;
  author?: string;
  /** Apply the revert to the working state but do not commit it. */
  noCommit?: boolean;
}

export interface RevertResult {
  status: 'reverted' | 'not-committed' | 'conflicts';
  /** The revert commit (status reverted), else HEAD. */
  commit: string | null;
  reverted: string;
  conflicts: MergeConflict[];
}

export async function revert(ctx: RepoContext, rev: string, opts: RevertOptions = {}): Promise<RevertResult> {
  return ctx.withLock('revert', async () => {
    await refuseWhileMerging(ctx, 'revert');
    const head = await ctx.head();
    if (head === null) throw new FvError('UNKNOWN_REF', 'nothing to revert: no commits yet');
    const target = await ctx.resolve(rev);
    const info = await ctx.git.readCommit(target);
    if (info.parents.length > 1) throw new FvError('UNSUPPORTED', `${rev} is a merge commit; reverting merges is not supported`, { hint: 'revert the commits of the merged branch one by one' });
    const headSnap = await ctx.snapshot(head);
    const ws = await ctx.working(head, headSnap);
    requireCleanWorkingState(ctx, headSnap, ws, 'revert');
    const parent = info.parents[0] ?? null;
    const parentSnap = parent === null ? emptySnapshot() : await ctx.snapshot(parent);
    const m = await computeMerge(ctx, await ctx.snapshot(target), headSnap, parentSnap, () => null);
    const subject = info.message.split('\n')[0] ?? '';
    const message = opts.message ?? `Revert "${subject}"\n\nThis reverts commit ${target}.`;
    const open = m.conflicts.filter((c) => c.resolved === null);
    const author = open.length === 0 && !opts.noCommit ? await resolveAuthorChecked(ctx, message, opts.author) : null;
    const applied = await applyMerge(ctx, {
      state: {
        head, theirs: target, base: target, name: `revert of ${target.slice(0, 7)}`, message,
        preMerge: { tables: new Map(ws.tables), definitions: headSnap.definitions },
        inputs: m.inputs, conflicts: m.conflicts, revert: true,
      },
      computed: m, working: ws, author, extraParents: [],
    });
    if (applied === 'conflicts') return { status: 'conflicts', commit: head, reverted: target, conflicts: open };
    if (applied === 'not-committed') return { status: 'not-committed', commit: head, reverted: target, conflicts: [] };
    return { status: 'reverted', commit: applied.commit, reverted: target, conflicts: [] };
  });
}
