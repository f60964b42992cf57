/**
 * fv and native git side by side: git commands that move HEAD or rewrite
 * the work tree leave fv consistent, and fv's data never appears as files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, git, newRepo, ok } from '../helpers.js';

describe('native git alongside fv', () => {
  it('a native git checkout moves fv with it, and chunks never land in the work tree', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('n1.csv', 'id,v\n1,a\n'), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('n2.csv', 'id,v\n1,b\n2,c\n'), '--table', 't']);
    ok(dir, ['commit', '-m', 'two']);
    expect(fs.existsSync(path.join(dir, '.fv'))).toBe(false);
    expect(git(dir, ['checkout', '-q', 'HEAD~1']).code).toBe(0);
    expect(fs.existsSync(path.join(dir, '.fv'))).toBe(false);
    expect(git(dir, ['status', '--porcelain']).stdout).toBe('');
    // The working state was clean, so it follows HEAD.
    expect(JSON.parse(ok(dir, ['status', '--json'])).tables.t.state).toBe('clean');
    expect(ok(dir, ['export', 't'])).toBe('id,v\n1,a\n');
    expect(git(dir, ['checkout', '-q', 'main']).code).toBe(0);
    expect(ok(dir, ['export', 't'])).toBe('id,v\n1,b\n2,c\n');
    // Uncommitted table changes survive a native HEAD move (now relative to the new HEAD).
    ok(dir, ['import', dataFile('n3.csv', 'id,v\n9,z\n'), '--table', 't']);
    expect(git(dir, ['checkout', '-q', 'HEAD~1']).code).toBe(0);
    expect(ok(dir, ['export', 't'])).toBe('id,v\n9,z\n');
    ok(dir, ['checkout', '--force', 'main']);
    expectGitClean(dir);
  });

  it('git reset --hard and git stash do not disturb fv data', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('s1.csv', 'id,v\n1,a\n'), '--table', 't', '--key', 'id']);
    fs.writeFileSync(path.join(dir, 'features.json'), '{"entities": {}}\n');
    ok(dir, ['commit', '-m', 'one']);
    fs.writeFileSync(path.join(dir, 'features.json'), '{"entities": {"u": {"keys": ["id"]}}}\n');
    expect(git(dir, ['stash', '-q']).code).toBe(0);
    expect(JSON.parse(ok(dir, ['status', '--json'])).definitions).toBe('clean');
    expect(git(dir, ['stash', 'pop', '-q']).code).toBe(0);
    expect(JSON.parse(ok(dir, ['status', '--json'])).definitions).toBe('modified');
    expect(git(dir, ['reset', '-q', '--hard']).code).toBe(0);
    expect(fs.existsSync(path.join(dir, '.fv'))).toBe(false);
    expect(JSON.parse(ok(dir, ['status', '--json'])).definitions).toBe('clean');
    expect(ok(dir, ['export', 't'])).toBe('id,v\n1,a\n');
    expectGitClean(dir);
  });
});
