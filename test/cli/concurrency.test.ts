/**
 * Two or more fv processes on one repository at once: the repository lock
 * makes every mutating command exclusive, so nothing is corrupted and no
 * commit is lost; a loser fails with the "locked" error (exit 2).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AUTHOR_ENV, dataFile, expectGitClean, FV, git, newRepo, ok } from '../helpers.js';

function run(cwd: string, args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [FV, ...args], { cwd, env: { ...process.env, ...AUTHOR_ENV, NO_COLOR: '1' } });
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
  });
});
