/**
 * Crash injection while imports and commits write packs
 * (FV_PACK_MIN_OBJECTS=5, so the kill harness's tables are packed): after
 * any SIGKILL, git fsck is clean, no half-written pack is ever used (a temp
 * file or a pack without its index at most), the branch is at the old or a
 * new commit that exports exactly, `fv gc` removes the killed writer's
 * leftovers, and native `git gc` stays clean.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fv, git, newRepo, ok } from '../helpers.js';
import { random, runAndKill, settle, table, TORTURE } from './kill-harness.js';

const ROUNDS = TORTURE ? 40 : 6;

describe('kill -9 while writing packs', () => {
  // Every fv this file runs (helpers and the kill harness pass process.env on) packs from 5 objects.
  beforeAll(() => {
    process.env.FV_PACK_MIN_OBJECTS = '5';
  });
  afterAll(() => {
    delete process.env.FV_PACK_MIN_OBJECTS;
  });

  it(`import and commit survive ${ROUNDS} kills each; gc removes what the killed writers left`, async () => {
    const dir = newRepo();
    const inputs = [0, 1, 2].map((i) => dataFile(`kill-pack${i}.csv`, table(20_000 + i * 1000, i + 5)));
    ok(dir, ['import', inputs[0]!, '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    const committed = new Map<string, string>([[git(dir, ['rev-parse', 'HEAD']).stdout.trim(), ok(dir, ['export', 't'])]]);
    const next = random(11);
    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const input = inputs[round % 3]!;
      for (const args of [['import', input, '--table', 't'], ['commit', '-m', `round ${round}`]]) {
        const r = await runAndKill(dir, args, Math.floor(next() * 1200));
        if (r.killed) kills++;
        expectGitClean(dir, { porcelain: false });
        expect(fv(dir, ['status', '--json']).code).toBe(0);
        if (!r.killed && args[0] === 'commit' && r.code === 0) committed.set(git(dir, ['rev-parse', 'main']).stdout.trim(), ok(dir, ['export', 't']));
        await settle();
      }
      ok(dir, ['checkout', 'main', '--force']);
    }
    const packDir = path.join(dir, '.git', 'objects', 'pack');
    // Every .idx has its .pack, so git and fv only ever see complete packs.
    for (const f of fs.readdirSync(packDir)) if (f.endsWith('.idx')) expect(fs.existsSync(path.join(packDir, f.replace(/\.idx$/, '.pack')))).toBe(true);
    ok(dir, ['gc', '--grace', 'PT0S']);
    const left = fs.readdirSync(packDir);
    expect(left.filter((f) => f.startsWith('tmp_'))).toEqual([]);
    expect(left.filter((f) => f.endsWith('.pack')).sort()).toEqual(left.filter((f) => f.endsWith('.idx')).map((f) => f.replace(/\.idx$/, '.pack')).sort());
    for (const [commit, exported] of committed) expect(ok(dir, ['export', 't', '--at', commit])).toBe(exported);
    expectGitClean(dir);
    expect(git(dir, ['gc', '-q']).code).toBe(0);
    expectGitClean(dir);
    console.info(`pack crash injection: ${kills} kills in ${ROUNDS * 2} runs, ${committed.size} reported commits intact`);
    expect(kills).toBeGreaterThan(0);
  }, ROUNDS * 60_000);
});
