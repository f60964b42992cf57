/** `fv revert`: undo exactly one commit's row changes, keeping everything since. */
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fv, git, newRepo, ok } from '../helpers.js';

function commitCsv(dir: string, csv: string, msg: string): string {
  ok(dir, ['import', dataFile(`${msg.replace(/\W/g, '_')}.csv`, csv), '--table', 't', '--key', 'id']);
  ok(dir, ['commit', '-m', msg]);
  return git(dir, ['rev-parse', 'HEAD']).stdout.trim();
}

describe('revert', () => {
  it('undoes one commit and keeps later changes to other rows', () => {
    const dir = newRepo();
    commitCsv(dir, 'id,v,w\n1,a,x\n2,b,y\n3,c,z\n', 'base');
    const bad = commitCsv(dir, 'id,v,w\n1,A,x\n2,b,y\n4,d,q\n', 'bad feed');
    commitCsv(dir, 'id,v,w\n1,A,x\n2,b,Y\n4,d,q\n5,e,r\n', 'later');
    expect(ok(dir, ['revert', bad])).toMatch(/^Reverted /);
    // row 1 back to a, row 3 back, row 4 gone; the later changes (2.w = Y, row 5) stay
    expect(ok(dir, ['export', 't'])).toBe('id,v,w\n1,a,x\n2,b,Y\n3,c,z\n5,e,r\n');
    expect(git(dir, ['log', '-1', '--format=%P']).stdout.trim().split(' ')).toHaveLength(1);
    expect(git(dir, ['log', '-1', '--format=%s']).stdout.trim()).toBe('Revert "bad feed"');
    expectGitClean(dir);
  });

  it('stops on a conflict, which is resolved and committed as in a merge', () => {
    const dir = newRepo();
    commitCsv(dir, 'id,v\n1,a\n2,b\n', 'base');
    const bad = commitCsv(dir, 'id,v\n1,A\n2,b\n', 'change 1');
    commitCsv(dir, 'id,v\n1,AA\n2,b\n', 'change 1 again');
    const r = fv(dir, ['revert', bad]);
    expect(r.code).toBe(1);
    expect(JSON.parse(ok(dir, ['conflicts', '--json']))).toEqual([{ table: 't', kind: 'cell', key: [1], column: 'v', base: 'A', ours: 'AA', theirs: 'a' }]);
    expect(JSON.parse(ok(dir, ['status', '--json'])).merging).toBe(true);
    ok(dir, ['resolve', 't', '--theirs']);
    ok(dir, ['commit']);
    expect(ok(dir, ['export', 't'])).toBe('id,v\n1,a\n2,b\n');
    expect(git(dir, ['log', '-1', '--format=%P']).stdout.trim().split(' ')).toHaveLength(1);
    expectGitClean(dir);
  });
});
