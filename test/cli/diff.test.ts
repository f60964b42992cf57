/** `fv diff`: row and cell differences by key, in the SPEC's JSON shape. */
import { describe, expect, it } from 'vitest';
import { dataFile, fv, newRepo, ok } from '../helpers.js';

describe('diff', () => {
  it('reports added, removed and modified rows with their cells, between revs and against the working state', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('d1.csv', 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n'), '--table', 'p', '--key', 'id']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('d2.csv', 'id,name,score\n1,ann,11\n3,cy,30\n4,dee,\n'), '--table', 'p']);
    expect(fv(dir, ['diff', '--exit-code']).code).toBe(1);
    const j = JSON.parse(ok(dir, ['diff', '--json']));
    expect(j).toEqual({
      from: 'HEAD',
      to: 'WORKING',
      tables: {
        p: {
          status: 'modified', added: 1, removed: 1, modified: 1,
          schema: { added: [], removed: [], changed: [] },
          rows: [
            { op: 'modified', key: [1], before: { id: 1, name: 'ann', score: 10 }, after: { id: 1, name: 'ann', score: 11 } },
            { op: 'removed', key: [2], before: { id: 2, name: 'bob', score: 20 }, after: null },
            { op: 'added', key: [4], before: null, after: { id: 4, name: 'dee', score: null } },
          ],
        },
      },
    });
    expect(ok(dir, ['diff'])).toContain('~ [1] score: 10 -> 11');
    ok(dir, ['commit', '-m', 'two']);
    expect(JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--json', '--limit', '1'])).tables.p.rows).toHaveLength(1);
    expect(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--stat'])).toBe('p  modified  +1 -1 ~1\n');
    expect(fv(dir, ['diff', '--exit-code']).code).toBe(0);
    // a retyped column is a schema change, and every row whose values changed type is modified
    ok(dir, ['import', dataFile('d3.csv', 'id,name,score\n1,ann,11.5\n3,cy,30.0\n4,dee,\n'), '--table', 'p']);
    const s = JSON.parse(ok(dir, ['diff', '--json'])).tables.p;
    expect(s.schema).toEqual({ added: [], removed: [], changed: [{ column: 'score', from: 'int64', to: 'float64' }] });
  });

  it('diffs unkeyed tables as multisets of rows', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('u1.csv', 'a,b\nx,1\nx,1\ny,2\n'), '--table', 'u']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', dataFile('u2.csv', 'a,b\ny,2\nx,1\nz,3\n'), '--table', 'u']);
    const d = JSON.parse(ok(dir, ['diff', '--json'])).tables.u;
    expect(d).toMatchObject({ added: 1, removed: 1, modified: 0 });
    expect(d.rows).toEqual([
      { op: 'removed', key: [], before: { a: 'x', b: 1 }, after: null },
      { op: 'added', key: [], before: null, after: { a: 'z', b: 3 } },
    ]);
  });
});
