/** `fv demo`, the README's main job, runs a real session on the bundled fixtures. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGitClean, fails, ok, tempDir } from '../helpers.js';

describe('demo', () => {
  it('runs every step in a fresh directory and leaves an ordinary git repository', () => {
    const dir = path.join(tempDir(), 'demo');
    const out = ok(tempDir(), ['demo', dir], { env: { GIT_AUTHOR_NAME: undefined, GIT_AUTHOR_EMAIL: undefined } });
    for (const step of ['$ fv init', '$ fv import users_v1.csv', '$ fv commit -m "Import users"', '$ fv log', '$ fv checkout -b experiment', '$ fv checkout v1', '$ fv checkout main']) {
      expect(out).toContain(step);
    }
    expect(out).toMatch(/modified:\s+users\s+25 rows\s+\+2 -1 ~3/);
    // After `fv checkout v1` the export shows the first version: 24 users, user 1003 with its old spend.
    expect(out).toContain('1003,user03@example.com,Osaka,team,212.26,2026-02-17T20:40:00Z,true');
    expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'fv.json', 'users_v1.csv', 'users_v2.csv']);
    expectGitClean(dir, { porcelain: false });
    expect(ok(dir, ['log', '--oneline']).trim().split('\n')).toHaveLength(2);
  });

  it('refuses a directory that is not empty', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x'), '');
    fails(tempDir(), ['demo', dir], /is not empty/);
    expect(fs.readdirSync(dir)).toEqual(['x']);
  });
});
