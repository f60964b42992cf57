/**
 * Merge bases found by fv (walking commits through its own object reader)
 * against `git merge-base --all`, in a packed repository: linear history,
 * a simple fork, a criss-cross merge with two best bases, and unrelated
 * histories.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepo } from '../../../src/storage/git.js';
import { mergeBases } from '../../../src/storage/merge-base.js';

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', LC_ALL: 'C' };

let repo: string;
beforeEach(() => {
  repo = fs.mkdtempSync(join(tmpdir(), 'fv-mb-'));
  git('init', '-q', '-b', 'main');
});
afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' }).trim();
}
function commit(msg: string): string {
  git('commit', '-q', '--allow-empty', '-m', msg);
  return git('rev-parse', 'HEAD');
}
function nativeBases(a: string, b: string): string[] {
  try {
    return git('merge-base', '--all', a, b).split('\n').sort();
  } catch {
    return []; // exit 1: no common ancestor
  }
}

describe('merge bases', () => {
  it('agree with git merge-base --all on linear, forked and criss-cross histories, packed', async () => {
    const root = commit('root');
    const m1 = commit('m1');
    git('checkout', '-q', '-b', 'side', root);
    const s1 = commit('s1');
    // Criss-cross: each branch merges the other's first commit, then both move on.
    git('checkout', '-q', 'main');
    git('merge', '-q', '--no-ff', '-m', 'main takes s1', s1);
    const m2 = commit('m2');
    git('checkout', '-q', 'side');
    git('merge', '-q', '--no-ff', '-m', 'side takes m1', m1);
    const s2 = commit('s2');
    git('gc', '-q', '--prune=now');
    const g = new GitRepo(repo);
    const pairs: [string, string][] = [[root, m1], [m1, root], [m1, s1], [m2, s2], [s2, m2], [m2, m2]];
    for (const [a, b] of pairs) {
      const native = nativeBases(a, b);
      const ours = await g.findMergeBase(a, b);
      expect(native, `${a} ${b}`).toContain(ours);
    }
    // Both best bases of the criss-cross, neither an ancestor of the other.
    expect(nativeBases(m2, s2)).toEqual([m1, s1].sort());
    const parentsOf = async (oid: string): Promise<string[]> => (await g.readCommit(oid)).parents;
    for (const [a, b] of pairs) expect((await mergeBases(a, b, parentsOf)).sort(), `${a} ${b}`).toEqual(nativeBases(a, b));
  });

  it('finds none between unrelated histories', async () => {
    const a = commit('a');
    git('checkout', '-q', '--orphan', 'other');
    const b = commit('b');
    expect(nativeBases(a, b)).toEqual([]);
    expect(await new GitRepo(repo).findMergeBase(a, b)).toBeNull();
  });
});
