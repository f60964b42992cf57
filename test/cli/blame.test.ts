/** `fv blame`: which commit last changed each cell of a row, when it was inserted, or deleted. */
import { describe, expect, it } from 'vitest';
import { dataFile, fails, git, newRepo, ok } from '../helpers.js';

describe('blame', () => {
  it('attributes each column to the commit that last changed it, over a chain of five commits', () => {
    const dir = newRepo();
    const commit = (csv: string, msg: string): string => {
      ok(dir, ['import', dataFile(`${msg.replace(/\W/g, '_')}.csv`, csv), '--table', 'u', '--key', 'id']);
      ok(dir, ['commit', '-m', msg]);
      return git(dir, ['rev-parse', 'HEAD']).stdout.trim();
    };
    const c1 = commit('id,city,score\n1,Oslo,10\n2,Lima,20\n', 'insert');
    const c2 = commit('id,city,score\n1,Oslo,11\n2,Lima,20\n', 'score of 1');
    commit('id,city,score\n1,Oslo,11\n2,Lima,21\n3,Rome,30\n', 'other rows');
    const c4 = commit('id,city,score\n1,Pune,11\n3,Rome,30\n', 'city of 1, drop 2');
    commit('id,city,score\n1,Pune,11\n3,Rome,31\n', 'fifth: only row 3');
    const b = JSON.parse(ok(dir, ['blame', 'u', '--key', '1', '--json']));
    expect(b.table).toBe('u');
    expect(b.key).toEqual([1]);
    expect(b.columns.id).toMatchObject({ commit: c1, message: 'insert', author: 'Test User' });
    expect(b.columns.score).toMatchObject({ commit: c2, message: 'score of 1' });
    expect(b.columns.city).toMatchObject({ commit: c4, message: 'city of 1, drop 2' });
    expect(b.inserted.commit).toBe(c1);
    expect(b.deleted).toBe(null);
    const gone = JSON.parse(ok(dir, ['blame', 'u', '--key', '2', '--json']));
    expect(gone.deleted.commit).toBe(c4);
    expect(gone.columns.score.message).toBe('other rows');
    expect(ok(dir, ['blame', 'u', '--key', '1'])).toContain('Pune');
    fails(dir, ['blame', 'u', '--key', '99'], /no row with key \(99\)/);
    fails(dir, ['blame', 'nope', '--key', '1'], /not in the history/);
    fails(dir, ['blame', 'u', '--key', 'x'], /cannot parse "x" as int64/);
  });
});
