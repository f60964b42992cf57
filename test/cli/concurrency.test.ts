/**
 * Two or more fv processes on one repository at once: the repository lock
 * makes every mutating command exclusive, so nothing is corrupted and no
 * commit is lost; a loser fails with the "locked" error (exit 2).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AUTHOR_ENV, dataFile, expectGitClean, FV, git, newRepo, ok } from '../helpers.js';

function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [FV, ...args], { cwd, env: { ...process.env, ...AUTHOR_ENV, NO_COLOR: '1', FV_LOCK_TIMEOUT_MS: '', ...env } });
    let stderr = '';
    let stdout = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.stdout.on('data', (d) => (stdout += d));
    p.on('close', (code) => resolve({ code: code ?? -1, stderr, stdout }));
  });
}

describe('concurrency', () => {
  it('concurrent imports and commits never corrupt the repository or lose a reported commit', async () => {
    const dir = newRepo();
    const inputs = [0, 1, 2, 3].map((i) => dataFile(`c${i}.csv`, 'id,v\n' + Array.from({ length: 200 }, (_, r) => `${r},${r * (i + 1)}`).join('\n') + '\n'));
    ok(dir, ['import', inputs[0]!, '--table', 't0', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    const reported: string[] = [];
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all([0, 1, 2, 3].map(async (i) => {
        const imp = await run(dir, ['import', inputs[(i + round) % 4]!, '--table', `t${i}`, '--key', 'id']);
        const com = await run(dir, ['commit', '-m', `round ${round} proc ${i}`]);
        return [imp, com];
      }));
      for (const [imp, com] of results) {
        for (const r of [imp!, com!]) {
          if (r.code !== 0) {
            // Losers fail cleanly: locked, or (if another process already committed their import) nothing to commit.
            expect(r.code).toBe(2);
            expect(r.stderr).toMatch(/^fv: error: (repository is locked by pid \d+|nothing to commit)/);
          }
        }
        const m = /\[main ([0-9a-f]{7})\]/.exec(com!.stdout);
        if (com!.code === 0 && m) reported.push(m[1]!);
      }
    }
    expectGitClean(dir);
    const history = git(dir, ['log', '--format=%h']).stdout.trim().split('\n');
    for (const c of reported) expect(history).toContain(c);
    expect(history.length).toBe(reported.length + 1);
  }, 20 * 60_000);

  /**
   * Two processes, each doing rounds of import, commit, checkout (switching
   * branches under the other's feet) and merge. Every command either
   * succeeds or fails cleanly with an answer the situation allows; every
   * commit reported is on a branch and exports; fsck stays clean.
   */
  async function mixedRounds(rounds: number, env: Record<string, string>): Promise<{ failures: Map<string, number>; reported: string[]; dir: string }> {
    const dir = newRepo();
    const inputs = [0, 1, 2, 3].map((i) => dataFile(`mix${i}.csv`, 'id,v\n' + Array.from({ length: 300 }, (_, r) => `${r},${r * (i + 2)}`).join('\n') + '\n'));
    ok(dir, ['import', inputs[0]!, '--table', 'shared', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    ok(dir, ['branch', 'side']);
    const failures = new Map<string, number>();
    const reported: string[] = [];
    const proc = async (p: number): Promise<void> => {
      for (let round = 0; round < rounds; round++) {
        const steps: string[][] = [
          ['import', inputs[(p + round) % 4]!, '--table', `t${p}`, '--key', 'id'],
          ['commit', '-m', `proc ${p} round ${round}`],
          ['checkout', round % 2 === p ? 'side' : 'main', '--force'],
          ['import', inputs[(p + round + 1) % 4]!, '--table', 'shared'],
          ['commit', '-m', `proc ${p} round ${round} shared`],
          ['merge', round % 2 === p ? 'main' : 'side', '--strategy', 'ours', '-m', `proc ${p} merge ${round}`],
        ];
        for (const args of steps) {
          const r = await run(dir, args, env);
          const m = /^\[\S+ ([0-9a-f]{7,})\]/m.exec(r.stdout);
          if (r.code === 0 && args[0] === 'commit' && m) reported.push(m[1]!);
          if (r.code === 0) continue;
          // A loser: one error line, exit 2, saying why (never corruption, never a crash).
          expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
          expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
          const why = /^fv: error: (repository is locked|nothing to commit|cannot merge with uncommitted changes|cannot switch branches: a merge|cannot merge: a merge|cannot commit: \d+ merge conflict|HEAD moved)/.exec(r.stderr);
          expect(why, `${args.join(' ')}: ${r.stderr}`).not.toBeNull();
          // (Never "moved while this command ran": refs only move under the lock.)
          const key = why![1]!;
          failures.set(key, (failures.get(key) ?? 0) + 1);
          // A merge left in progress by the other process is undone by whoever finds it, as a user would.
          if (/a merge/.test(key)) await run(dir, ['merge', '--abort'], env);
        }
      }
    };
    await Promise.all([proc(0), proc(1)]);
    console.info(`mixed rounds (${rounds} x 2 processes x 6 commands): ${reported.length} commits; refusals ${JSON.stringify(Object.fromEntries(failures))}`);
    expectGitClean(dir, { porcelain: false });
    const onBranches = git(dir, ['rev-list', '--branches']).stdout.trim().split('\n');
    for (const c of reported) {
      expect(onBranches.some((full) => full.startsWith(c)), `commit ${c} was reported but is on no branch`).toBe(true);
      expect(ok(dir, ['show', c, '--json'])).toMatch(/"commit"/);
    }
    return { failures, reported, dir };
  }

  it('two processes doing mixed import / commit / checkout / merge rounds: losers fail with "locked" (exit 2)', async () => {
    const { failures, reported } = await mixedRounds(4, {});
    expect(reported.length).toBeGreaterThan(0);
    // Without FV_LOCK_TIMEOUT_MS the lock is not waited for, so some commands lose it.
    expect([...failures.keys()].every((k) => k !== 'internal error')).toBe(true);
  }, 30 * 60_000);

  it('with FV_LOCK_TIMEOUT_MS the loser waits for the lock instead of failing', async () => {
    const { failures, reported } = await mixedRounds(2, { FV_LOCK_TIMEOUT_MS: '600000' });
    expect(failures.get('repository is locked') ?? 0).toBe(0);
    expect(reported.length).toBeGreaterThan(0);
  }, 30 * 60_000);
});
