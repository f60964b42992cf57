/**
 * The story checks exist for: good data is committed; a bad batch arrives
 * (nulls in a key feature, a shifted distribution); the commit is refused
 * with both checks named; a forced commit is then found again with check,
 * log and blame.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, fv, git, newRepo, ok } from '../helpers.js';

function batch(shift: number, nullEvery: number): string {
  const lines = ['user_id,spend'];
  for (let i = 1; i <= 200; i++) lines.push(`${i},${nullEvery > 0 && i % nullEvery === 0 ? '' : ((i % 50) + shift).toFixed(1)}`);
  return lines.join('\n') + '\n';
}

describe('a bad feed stops the line', () => {
  it('refuses the bad batch naming both checks; --no-verify, check --at, log and blame find it', () => {
    const dir = newRepo();
    fs.writeFileSync(path.join(dir, 'features.json'), JSON.stringify({
      checks: {
        users: [
          { id: 'spend_present', type: 'not_null', column: 'spend', severity: 'error' },
          { id: 'spend_stable', type: 'drift', column: 'spend', method: 'psi', threshold: 0.2, severity: 'error' },
        ],
      },
    }, null, 2) + '\n');
    ok(dir, ['import', dataFile('good.csv', batch(0, 0)), '--table', 'users', '--key', 'user_id']);
    ok(dir, ['commit', '-m', 'good batch']);
    ok(dir, ['import', dataFile('bad.csv', batch(40, 10)), '--table', 'users']);
    const refused = fv(dir, ['commit', '-m', 'bad batch']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('spend_present');
    expect(refused.stderr).toContain('spend_stable');
    expect(git(dir, ['log', '--format=%s']).stdout.trim()).toBe('good batch');
    ok(dir, ['commit', '-m', 'bad batch', '--no-verify']);
    const bad = git(dir, ['rev-parse', 'HEAD']).stdout.trim();
    const report = fv(dir, ['check', '--at', 'HEAD', '--json']);
    expect(report.code).toBe(1);
    const results = JSON.parse(report.stdout).results as { check: string; ok: boolean; unexpected: number }[];
    expect(results.find((r) => r.check === 'spend_present')).toMatchObject({ ok: false, unexpected: 20 });
    expect(results.find((r) => r.check === 'spend_stable')).toMatchObject({ ok: false });
    expect(fv(dir, ['check', '--at', 'HEAD~1']).code).toBe(0);
    const log = JSON.parse(ok(dir, ['log', '--table', 'users', '--json']));
    expect(log[0]).toMatchObject({ commit: bad, message: 'bad batch', tables: { users: { modified: 200 } } });
    expect(JSON.parse(ok(dir, ['blame', 'users', '--key', '10', '--json'])).columns.spend.commit).toBe(bad);
  });
});
