/**
 * Resolving a <rev>: a branch, a tag, HEAD, a full or abbreviated (>= 4 hex
 * digits) commit id, each optionally followed by any number of `~N` / `^`.
 */
import { FvError } from '../errors/FvError.js';
import type { GitRepo } from '../storage/git.js';

export async function resolveRev(repo: GitRepo, rev: string): Promise<string> {
  const m = /^(.*?)((?:~\d*|\^)*)$/.exec(rev);
  const baseName = m?.[1] ?? rev;
  const suffix = m?.[2] ?? '';
  if (baseName.length === 0 || /[\x00-\x1f]/.test(rev)) throw new FvError('UNKNOWN_REF', `unknown revision ${JSON.stringify(rev)}`);
  let oid = await resolveBase(repo, baseName, rev);
  for (const step of suffix.match(/~\d*|\^/g) ?? []) {
    const n = step === '^' || step === '~' ? 1 : Number(step.slice(1));
    for (let i = 0; i < n; i++) {
      const c = await repo.readCommit(oid);
      const parent = c.parents[0];
      if (parent === undefined) throw new FvError('UNKNOWN_REF', `revision ${JSON.stringify(rev)} goes past the first commit`);
      oid = parent;
    }
  }
  return oid;
}

async function resolveBase(repo: GitRepo, name: string, rev: string): Promise<string> {
  const candidates = name === 'HEAD' ? ['HEAD'] : name.startsWith('refs/') ? [name] : [`refs/heads/${name}`, `refs/tags/${name}`, `refs/remotes/${name}`];
  for (const ref of candidates) {
    const oid = await repo.readRef(ref).catch(() => null);
    if (oid !== null) return commitOf(repo, await repo.peel(oid), rev);
  }
  if (name === 'HEAD') throw new FvError('UNKNOWN_REF', 'HEAD does not point at a commit yet', { hint: 'make a first commit with `fv commit -m <message>`' });
  if (/^[0-9a-f]{4,40}$/i.test(name)) {
    const oid = name.length === 40 ? name.toLowerCase() : await repo.expandOid(name.toLowerCase());
    if (oid !== null && (await repo.hasObject(oid))) return commitOf(repo, await repo.peel(oid), rev);
  }
  throw new FvError('UNKNOWN_REF', `unknown revision ${JSON.stringify(rev)}`, { hint: 'use a branch, a tag, HEAD, or a commit id (see `fv log`)' });
}

async function commitOf(repo: GitRepo, oid: string, rev: string): Promise<string> {
  try {
    await repo.readCommit(oid);
    return oid;
  } catch {
    throw new FvError('UNKNOWN_REF', `revision ${JSON.stringify(rev)} is not a commit`);
  }
}
