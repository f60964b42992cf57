/**
 * The pre-commit framework, for real: the `fv-check` hook declared in this
 * project's .pre-commit-hooks.yaml, pulled by `pre-commit` from a hook
 * repository (`repo:` + `rev:`), stops a native `git commit` of bad data and
 * lets good data through. The hook repository is a throwaway git repository
 * holding a copy of this checkout's .pre-commit-hooks.yaml, so the test sees
 * the file as it is now (committed or not). The hooks use `language:
 * system`, so `fv` must be on PATH: the test puts a shim there that runs this
 * checkout's bin/fv, as `npm install -g` would.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTHOR_ENV, dataFile, FV, git, newRepo, ok, ROOT, tempDir } from '../helpers.js';

function findPreCommit(): string | null {
  const which = (): string | null => {
    const r = spawnSync('sh', ['-c', 'command -v pre-commit'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const found = which();
  if (found !== null) return found;
  // As .ci/run does: install the Debian package when we may.
  if (process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get']).status === 0) {
    spawnSync('apt-get', ['install', '-y', '-qq', 'pre-commit'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: 'ignore', timeout: 300_000 });
  }
  return which();
}

const PRE_COMMIT = findPreCommit();
if (PRE_COMMIT === null) console.warn('precommit.test.ts: SKIPPED: the `pre-commit` tool is not installed and could not be installed (apt-get install pre-commit)');

describe.skipIf(PRE_COMMIT === null)('pre-commit framework', () => {
  it('runs fv-check from .pre-commit-hooks.yaml and blocks a git commit of bad data, passes good data', () => {
    // The hook repository: this project's hook manifest, committed.
    const hookRepo = tempDir('fv-hookrepo-');
    fs.copyFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), path.join(hookRepo, '.pre-commit-hooks.yaml'));
    expect(git(hookRepo, ['init', '-q']).code).toBe(0);
    expect(git(hookRepo, ['add', '.pre-commit-hooks.yaml']).code).toBe(0);
    expect(git(hookRepo, ['commit', '-qm', 'hooks']).code).toBe(0);
    const rev = git(hookRepo, ['rev-parse', 'HEAD']).stdout.trim();

    // `fv` on PATH, as an installed fv would be.
    const bin = tempDir('fv-bin-');
    fs.writeFileSync(path.join(bin, 'fv'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FV)} "$@"\n`, { mode: 0o755 });
    const dir = newRepo();
    const env = {
      ...AUTHOR_ENV, PATH: `${bin}${path.delimiter}${process.env.PATH}`, PRE_COMMIT_HOME: path.join(tempDir('fv-pc-home-'), 'cache'), NO_COLOR: '1',
    };
    const config = `repos:\n  - repo: ${hookRepo}\n    rev: ${rev}\n    hooks:\n      - id: fv-check\n`;
    fs.writeFileSync(path.join(dir, '.pre-commit-config.yaml'), config);
    fs.writeFileSync(path.join(dir, 'features.json'), JSON.stringify({
      checks: { pay: [
        { id: 'amount_nonneg', type: 'between', column: 'amount', min: 0, severity: 'error' },
        { id: 'note_present', type: 'not_null', column: 'note', severity: 'warn' },
      ] },
    }, null, 2) + '\n');
    const install = spawnSync(PRE_COMMIT!, ['install'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(install.status, install.stdout + install.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, '.git', 'hooks', 'pre-commit'), 'utf8')).toMatch(/pre-commit/);

    // Bad data: a negative amount. The native commit is refused by the framework running fv check.
    ok(dir, ['import', dataFile('pc-bad.csv', 'id,amount,note\n1,5,a\n2,-7,b\n3,9,\n'), '--table', 'pay', '--key', 'id']);
    expect(git(dir, ['add', '.pre-commit-config.yaml', 'features.json', 'fv.json']).code).toBe(0);
    const refused = git(dir, ['commit', '-qm', 'bad data'], env);
    const out = refused.stdout + refused.stderr;
    expect(refused.code, out).toBe(1);
    expect(out).toMatch(/fv check \(data checks of the working state\)\.+Failed/);
    expect(out).toContain('FAIL pay/amount_nonneg (between amount)');
    expect(out).toContain('failing rows: 1 of 3 (33.3%)');
    expect(out).toContain('e.g. key [2]:');
    expect(git(dir, ['rev-parse', '--verify', '-q', 'HEAD']).code).not.toBe(0); // nothing committed

    // The same through `pre-commit run`, exit 1.
    const run = spawnSync(PRE_COMMIT!, ['run', 'fv-check', '--all-files'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(1);

    // Good data (a null note is only a warning): the commit goes through.
    ok(dir, ['import', dataFile('pc-good.csv', 'id,amount,note\n1,5,a\n2,7,b\n3,9,\n'), '--table', 'pay']);
    const passed = git(dir, ['commit', '-qm', 'good data'], env);
    expect(passed.code, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout + passed.stderr).toMatch(/fv check \(data checks of the working state\)\.+Passed/);
    expect(git(dir, ['log', '--format=%s']).stdout.trim()).toBe('good data');
  }, 120_000);
});
