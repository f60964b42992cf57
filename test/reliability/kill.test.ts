/**
 * Crash injection: start a mutating fv command, SIGKILL it at a random
 * moment, then check what the FORMAT promises: git fsck is clean, the branch
 * points at the old or the new commit, every commit reported earlier exports
 * exactly, fv status works, and rerunning the command succeeds. A stale lock
 * left by the killed process is recovered automatically.
 * FV_TORTURE=1 (npm run torture) runs many more rounds.
 */
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fv, git, newRepo, ok } from '../helpers.js';
import { runAndKill, settle, table, TORTURE } from './kill-harness.js';

const ROUNDS = TORTURE ? 100 : 8;

describe('kill -9 at random moments', () => {
  it(`import, commit and checkout survive ${ROUNDS} kills each without losing a reported commit`, async () => {
    const dir = newRepo();
    const inputs = [0, 1, 2].map((i) => dataFile(`kill${i}.csv`, table(20_000 + i * 1000, i + 3)));
    ok(dir, ['import', inputs[0]!, '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    // Every commit fv reported, with the export it must keep giving.
    const committed = new Map<string, string>();
    const head = () => git(dir, ['rev-parse', 'HEAD']).stdout.trim();
    committed.set(head(), ok(dir, ['export', 't', '--at', 'HEAD']));
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const input = inputs[round % 3]!;
      const before = head();
      const steps: string[][] = [
        ['import', input, '--table', 't'],
        ['commit', '-m', `round ${round}`],
        ['checkout', round % 2 === 0 ? 'HEAD~1' : 'main', '--force'],
      ];
      for (const args of steps) {
        const r = await runAndKill(dir, args, Math.floor(random() * 900));
        if (r.killed) kills++;
        // The branch is at the old or a new commit; fsck is clean whatever happened.
        expectGitClean(dir, { porcelain: false });
        expect(fv(dir, ['status', '--json']).code).toBe(0);
        await settle();
        if (!r.killed && args[0] === 'commit' && r.code === 0) committed.set(git(dir, ['rev-parse', 'main']).stdout.trim(), ok(dir, ['export', 't', '--at', 'main']));
      }
      // Back to a known state: on main, working state = HEAD; a rerun succeeds.
      ok(dir, ['checkout', 'main', '--force']);
      const after = git(dir, ['rev-parse', 'main']).stdout.trim();
      expect(after === before || git(dir, ['merge-base', '--is-ancestor', before, after]).code === 0).toBe(true);
      await settle();
      ok(dir, ['import', input, '--table', 't']);
      const c = fv(dir, ['commit', '-m', `rerun ${round}`]);
      expect([0, 2]).toContain(c.code);
      if (c.code === 0) committed.set(head(), ok(dir, ['export', 't', '--at', 'HEAD']));
      else expect(c.stderr).toMatch(/nothing to commit/);
    }
    // Every reported commit is intact and exports exactly as it did.
    for (const [commit, exported] of committed) {
      expect(ok(dir, ['export', 't', '--at', commit])).toBe(exported);
      await settle();
    }
    expectGitClean(dir);
    console.info(`import/commit/checkout crash injection: ${kills} kills in ${ROUNDS * 3} runs, ${committed.size} reported commits intact`);
    expect(kills).toBeGreaterThan(0);
  }, ROUNDS * 60_000);
});
