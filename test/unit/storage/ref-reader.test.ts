/**
 * fv's own ref reading (RefReader, and abbreviated ids through the object
 * reader) against isomorphic-git, which wrote and read refs for fv before,
 * and against native git: loose and packed refs, symbolic and detached HEAD,
 * nested branch names, annotated tags with peeled lines, short names, names
 * that are git's own files, and ambiguous abbreviations.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepo } from '../../../src/storage/git.js';
import { RefReader } from '../../../src/storage/ref-reader.js';

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', LC_ALL: 'C',
  // Fixed dates: the same commits get the same ids in every run.
  GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' };

let repo: string;
let gitdir: string;
beforeEach(() => {
  repo = fs.mkdtempSync(join(tmpdir(), 'fv-refs-'));
  gitdir = join(repo, '.git');
  native('init', '-q', '-b', 'main');
});
afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

function native(...args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env: gitEnv, encoding: 'utf8' }).trim();
}
function commit(msg: string): string {
  native('commit', '-q', '--allow-empty', '-m', msg);
  return native('rev-parse', 'HEAD');
}

async function isoResolve(ref: string, depth?: number): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, gitdir, ref, depth });
  } catch {
    return null;
  }
}

/** Every name asked about resolves the same through RefReader and isomorphic-git. */
async function expectSameAsIsomorphicGit(names: string[]): Promise<void> {
  const reader = new RefReader(gitdir);
  for (const name of names) {
    expect([name, reader.resolve(name)]).toEqual([name, await isoResolve(name)]);
    expect([name, reader.resolve(name, 2)]).toEqual([name, await isoResolve(name, 2)]);
  }
  expect(reader.currentBranch()).toBe((await git.currentBranch({ fs, gitdir, fullname: false, test: false })) ?? null);
  expect(reader.list('refs/heads').sort()).toEqual((await git.listBranches({ fs, gitdir })).sort());
  expect(reader.list('refs/tags').sort()).toEqual((await git.listTags({ fs, gitdir })).sort());
}

const NAMES = ['HEAD', 'main', 'refs/heads/main', 'feature/deep/x', 'v1', 'v2', 'refs/tags/v2', 'origin/main', 'nope', 'refs/heads/nope', 'config', 'index', 'refs/heads'];

describe('RefReader', () => {
  it('resolves loose, packed, nested, tagged and remote refs as isomorphic-git and git do', async () => {
    const first = commit('one');
    native('branch', 'feature/deep/x');
    native('tag', 'v1');
    const second = commit('two');
    native('tag', '-a', 'v2', '-m', 'annotated');
    native('update-ref', 'refs/remotes/origin/main', first);
    const reader = new RefReader(gitdir);
    expect(reader.resolve('main')).toBe(second);
    expect(reader.resolve('feature/deep/x')).toBe(first);
    expect(reader.resolve('v2')).toBe(native('rev-parse', 'v2')); // the tag object, as git rev-parse gives
    expect(reader.resolve('origin/main')).toBe(first);
    expect(reader.resolve('HEAD', 2)).toBe('refs/heads/main');
    expect(reader.resolve('nope')).toBeNull();
    await expectSameAsIsomorphicGit(NAMES);

    // All packed (with peeled lines for the annotated tag), then a loose ref shadowing a packed one.
    native('pack-refs', '--all');
    expect(fs.readFileSync(join(gitdir, 'packed-refs'), 'utf8')).toMatch(/^\^[0-9a-f]{40}$/m);
    expect(fs.existsSync(join(gitdir, 'refs/heads/main'))).toBe(false);
    await expectSameAsIsomorphicGit(NAMES);
    native('update-ref', 'refs/heads/feature/deep/x', second);
    expect(reader.resolve('feature/deep/x')).toBe(second);
    await expectSameAsIsomorphicGit(NAMES);

    // Detached HEAD: no current branch.
    native('checkout', '-q', '--detach', first);
    expect(reader.currentBranch()).toBeNull();
    expect(reader.resolve('HEAD')).toBe(first);
    await expectSameAsIsomorphicGit(NAMES);
  });

  it('expands abbreviated ids from loose objects and packs, and reports ambiguity', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => commit(`c${i}`));
    const repoApi = new GitRepo(repo);
    for (const id of ids.slice(0, 5)) expect(await repoApi.expandOid(id.slice(0, 7))).toBe(id);
    expect(await repoApi.expandOid('0000000')).toBeNull();
    native('gc', '-q', '--aggressive', '--prune=now');
    expect(fs.readdirSync(join(gitdir, 'objects/pack')).some((f) => f.endsWith('.idx'))).toBe(true);
    const packed = new GitRepo(repo);
    for (const id of ids.slice(0, 5)) expect(await packed.expandOid(id.slice(0, 7))).toBe(id);
    // Two of the 41 objects sharing a 2-digit prefix make it ambiguous (the ids are fixed, and such a pair exists).
    const all = native('rev-list', '--all', '--objects').split('\n').map((l) => l.slice(0, 40));
    const byPrefix = new Map<string, number>();
    for (const id of all) byPrefix.set(id.slice(0, 2), (byPrefix.get(id.slice(0, 2)) ?? 0) + 1);
    const shared = [...byPrefix].find(([, n]) => n > 1)?.[0];
    expect(shared).toBeDefined();
    await expect(packed.expandOid(shared!)).rejects.toThrow(/ambiguous/);
    // A loose object next to the pack is found too.
    const loose = commit('after gc');
    expect(await new GitRepo(repo).expandOid(loose.slice(0, 8))).toBe(loose);
  });
});
