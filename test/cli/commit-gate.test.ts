/** The commit gate: error-severity checks stop `fv commit` (exit 1, nothing written); --no-verify skips them. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, fv, git, newRepo, ok, treeState } from '../helpers.js';

const DEFS = {
  entities: {},
  sources: {},
  features: {},
  labels: {},
  training_sets: {},
  checks: {
    pay: [
      { id: 'amount_nonneg', type: 'between', column: 'amount', min: 0, severity: 'error' },
      { id: 'few_nulls', type: 'not_null', column: 'note', severity: 'warn' },
    ],
  },
};

describe('commit gate', () => {
  it('refuses a commit whose data fails an error-severity check, and --no-verify commits anyway', () => {
    const dir = newRepo();
    fs.writeFileSync(path.join(dir, 'features.json'), JSON.stringify(DEFS, null, 2) + '\n');
    ok(dir, ['import', dataFile('g1.csv', 'id,amount,note\n1,5,a\n2,7,\n'), '--table', 'pay', '--key', 'id']);
    // Only a warning fails: the commit goes through.
    ok(dir, ['commit', '-m', 'good data']);
    ok(dir, ['import', dataFile('g2.csv', 'id,amount,note\n1,5,a\n2,-7,b\n'), '--table', 'pay']);
    const before = treeState(dir);
    const r = fv(dir, ['commit', '-m', 'bad data']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('amount_nonneg');
    expect(r.stderr).toContain('commit refused');
    expect(treeState(dir)).toEqual(before);
    expect(git(dir, ['log', '--format=%s']).stdout.trim()).toBe('good data');
    ok(dir, ['commit', '-m', 'bad data, knowingly', '--no-verify']);
    expect(git(dir, ['log', '-1', '--format=%s']).stdout.trim()).toBe('bad data, knowingly');
    expectGitClean(dir);
  });

  it('refuses invalid definitions even with --no-verify', () => {
    const dir = newRepo();
    fs.writeFileSync(path.join(dir, 'features.json'), '{"checks": {"t": [{"id": "x", "type": "betwen", "severity": "error"}]}}\n');
    ok(dir, ['import', dataFile('g3.csv', 'id\n1\n'), '--table', 't', '--key', 'id']);
    fails(dir, ['commit', '-m', 'x', '--no-verify'], /features\.json: checks\.t\[0\]\.type: unknown check type "betwen"/);
  });
});
