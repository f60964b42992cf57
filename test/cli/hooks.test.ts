/** `fv hooks install`: native `git commit` is stopped by failing data checks; earlier hooks keep running. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, git, newRepo, ok } from '../helpers.js';

describe('hooks', () => {
  it('the pre-commit hook runs fv check and chains an existing hook', () => {
    const dir = newRepo();
    const hooks = path.join(dir, '.git', 'hooks');
    fs.mkdirSync(hooks, { recursive: true });
    fs.writeFileSync(path.join(hooks, 'pre-commit'), '#!/bin/sh\necho earlier-hook-ran > "$(git rev-parse --git-dir)/earlier"\n', { mode: 0o755 });
    expect(ok(dir, ['hooks', 'install'])).toContain('earlier hook runs first');
    fs.writeFileSync(path.join(dir, 'features.json'), JSON.stringify({ checks: { t: [{ id: 'pos', type: 'between', column: 'v', min: 0, severity: 'error' }] } }) + '\n');
    ok(dir, ['import', dataFile('h1.csv', 'id,v\n1,-5\n'), '--table', 't', '--key', 'id']);
    git(dir, ['add', 'features.json', 'fv.json']);
    const env = { FV_HOOK_USE_INSTALLER: '1' };
    const refused = git(dir, ['commit', '-qm', 'native commit'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('pos');
    expect(fs.existsSync(path.join(dir, '.git', 'earlier'))).toBe(true);
    ok(dir, ['import', dataFile('h2.csv', 'id,v\n1,5\n'), '--table', 't']);
    expect(git(dir, ['commit', '-qm', 'native commit'], env).code).toBe(0);
    // installing twice keeps one chained hook
    ok(dir, ['hooks', 'install']);
    expect(fs.readdirSync(hooks).filter((f) => f.startsWith('pre-commit')).sort()).toEqual(['pre-commit', 'pre-commit.before-fv']);
  });
});
