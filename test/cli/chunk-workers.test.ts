/**
 * Chunks encoded on worker threads are the chunks the main thread encodes:
 * the same import (and the same patch over it) run with FV_WORKERS=0 (the
 * main thread, also the default), 1 and 2 gives the same git trees, so the
 * same manifests, chunk blobs and content hashes, and native git finds
 * nothing wrong.
 */
import { describe, expect, it } from 'vitest';
import { dataFile, expectGitClean, fails, git, newRepo, ok, treeState } from '../helpers.js';

/** Every CSV-inferred type, nulls in each column, and a wide text column: 24,000 rows make ~50 chunks. */
function csv(rows: number, edit: (id: number) => boolean = () => false): string {
  const lines = ['id,big,score,flag,day,at,name,text'];
  let x = 99;
  for (let id = 0; id < rows; id++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const v = edit(id) ? 'edited' : '';
    const cell = (k: number, s: string) => (x % 17 === k ? '' : s);
    lines.push([
      id,
      cell(1, String(BigInt(x) * 4294967311n - 2n ** 62n)),
      cell(2, (x % 2 === 0 ? -1 : 1) * (x % 100000) / 64 + ''),
      cell(3, x % 3 === 0 ? 'true' : 'false'),
      cell(4, `20${10 + (x % 15)}-0${1 + (x % 9)}-1${x % 10}`),
      cell(5, `2024-05-0${1 + (x % 9)}T12:${10 + (x % 50)}:00.${x % 1000}Z`),
      cell(6, `"${['ann', 'bøb', '日本', 'zed', 'q,uoted'][x % 5]!}${v}"`),
      cell(7, x.toString(36).repeat(80)),
    ].join(','));
  }
  return lines.join('\n') + '\n';
}

const V1 = dataFile('workers-v1.csv', csv(24000));
const V2 = dataFile('workers-v2.csv', csv(24000, (id) => id % 500 === 0));

function importAndCommit(env: Record<string, string>): { dir: string; trees: string[] } {
  const dir = newRepo();
  const trees: string[] = [];
  for (const [i, file] of [V1, V2].entries()) {
    ok(dir, ['import', file, '--table', 'data', '--key', 'id'], { env });
    ok(dir, ['commit', '-m', `v${i + 1}`]);
    trees.push(git(dir, ['rev-parse', 'HEAD^{tree}']).stdout.trim());
  }
  return { dir, trees };
}

describe('chunk encoding on worker threads', { timeout: 180_000 }, () => {
  it('writes the same chunks, manifests and content hashes as in-thread encoding', () => {
    const inThread = importAndCommit({ FV_WORKERS: '0' });
    const blobs = git(inThread.dir, ['ls-tree', '-r', 'HEAD~1']).stdout.match(/ blob /g) ?? [];
    expect(blobs.length, 'more chunks than a worker is sent at once').toBeGreaterThan(32);
    for (const env of [{ FV_WORKERS: '1' }, { FV_WORKERS: '2' }]) {
      const other = importAndCommit(env);
      expect(other.trees, `FV_WORKERS=${env.FV_WORKERS}`).toEqual(inThread.trees);
      expectGitClean(other.dir);
    }
    expectGitClean(inThread.dir);
  });

  it('refuses an FV_WORKERS that is not a number of threads, changing nothing', () => {
    const dir = newRepo();
    const before = treeState(dir);
    fails(dir, ['import', V1, '--table', 'data', '--key', 'id'], /FV_WORKERS="many" is not a number of worker threads/, { env: { FV_WORKERS: 'many' } });
    expect(treeState(dir)).toEqual(before);
  });
});
