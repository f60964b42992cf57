/** `fv branch` and `fv tag`: list, create and delete names for commits. */
import { caseCollision } from '../storage/safe-paths.js';
import { FvError } from '../errors/FvError.js';
import { resolveAuthor } from '../versioning/author.js';
import { checkRefName } from '../versioning/layout.js';
import type { RepoContext } from './context.js';

export interface BranchInfo {
  name: string;
  commit: string;
  current: boolean;
}

export async function listBranches(ctx: RepoContext): Promise<BranchInfo[]> {
  const current = await ctx.branch();
  const out: BranchInfo[] = [];
  for (const name of (await ctx.git.listBranches()).sort()) {
    const commit = await ctx.git.readRef(`refs/heads/${name}`);
    if (commit !== null) out.push({ name, commit, current: name === current });
  }
  return out;
}

export async function createBranch(ctx: RepoContext, name: string, start?: string): Promise<BranchInfo> {
  checkRefName(name, 'branch');
  return ctx.withLock('branch', async () => {
    if ((await ctx.git.readRef(`refs/heads/${name}`)) !== null) throw new FvError('REF_EXISTS', `branch ${name} already exists`);
    await refuseCaseCollision(ctx, name, 'branch');
    const commit = await ctx.resolve(start ?? 'HEAD');
    await ctx.git.updateRef(`refs/heads/${name}`, commit, null);
    return { name, commit, current: false };
  });
}

/**
 * Refs are files under .git/refs: on a case-insensitive file system a new
 * `Main` would be written over `main`. So a new branch or tag may not
 * differ only in case from an existing one of the same kind.
 */
export async function refuseCaseCollision(ctx: RepoContext, name: string, what: 'branch' | 'tag'): Promise<void> {
  const other = caseCollision(what === 'branch' ? await ctx.git.listBranches() : await ctx.git.listTags(), name);
  if (other !== null) throw new FvError('REF_EXISTS', `${what} ${name} differs only in case from existing ${what} ${other}`, { hint: 'names that differ only in case collide on case-insensitive file systems; choose another name' });
}

export async function deleteBranch(ctx: RepoContext, name: string): Promise<{ name: string; commit: string }> {
  return ctx.withLock('branch', async () => {
    const commit = await ctx.git.readRef(`refs/heads/${name}`);
    if (commit === null) throw new FvError('UNKNOWN_REF', `no branch ${name}`);
    if ((await ctx.branch()) === name) throw new FvError('BAD_USAGE', `cannot delete branch ${name}: it is checked out`, { hint: 'switch to another branch first' });
    await ctx.git.deleteRef(`refs/heads/${name}`);
    return { name, commit };
  });
}

export interface TagInfo {
  name: string;
  commit: string;
  annotated: boolean;
}

export async function listTags(ctx: RepoContext): Promise<TagInfo[]> {
  const out: TagInfo[] = [];
  for (const name of (await ctx.git.listTags()).sort()) {
    const oid = await ctx.git.readRef(`refs/tags/${name}`);
    if (oid === null) continue;
    const commit = await ctx.git.peel(oid);
    out.push({ name, commit, annotated: commit !== oid });
  }
  return out;
}

export async function createTag(ctx: RepoContext, name: string, rev?: string, opts: { message?: string; author?: string } = {}): Promise<TagInfo> {
  checkRefName(name, 'tag');
  return ctx.withLock('tag', async () => {
    if ((await ctx.git.readRef(`refs/tags/${name}`)) !== null) throw new FvError('REF_EXISTS', `tag ${name} already exists`);
    await refuseCaseCollision(ctx, name, 'tag');
    const commit = await ctx.resolve(rev ?? 'HEAD');
    let target = commit;
    if (opts.message !== undefined) target = await ctx.git.writeAnnotatedTag(name, commit, opts.message, await resolveAuthor(ctx.git, opts.author));
    await ctx.git.updateRef(`refs/tags/${name}`, target, null);
    return { name, commit, annotated: target !== commit };
  });
}
