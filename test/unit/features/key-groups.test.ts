/**
 * Finding a spine row's key group (key-groups.ts): the hash table used for
 * one exact key must answer exactly what a binary search over the sorted
 * groups answers, for keys the hash mixes badly or that need both words.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { keyComparable } from '../../../src/features/comparable.js';
import { groupFinder, keyGroups } from '../../../src/features/key-groups.js';
import { columnarFromTableData } from '../../../src/table/arrow/typed-columns.js';
import { parseType } from '../../../src/table/types.js';

/** Comparables of one int64 key column holding `keys`. */
function keyColumn(keys: bigint[]) {
  const f = { name: 'k', type: parseType('int64') };
  const t = columnarFromTableData({ fields: [f], columns: [keys], rowCount: keys.length });
  return keyComparable(f, t.columns[0] as arrow.Data);
}

describe('groupFinder', () => {
  it('finds every group by key, and no group for absent keys, for awkward int64 keys', () => {
    const big = 2n ** 53n - 1n;
    const present = [-big, -(2n ** 32n), -1n, 0n, 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 32n + 1n, big - 1n, big];
    // Keys differing only in the high word, and runs of consecutive ones, collide or cluster in a weak hash.
    for (let i = 0n; i < 300n; i++) present.push(i * 2n ** 32n + 7n, 1000n + i);
    const sorted = [...new Set(present)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Two source rows per key, stored sorted: groups of two.
    const source = sorted.flatMap((k) => [k, k]);
    const src = keyColumn(source);
    const cand = Int32Array.from(source.keys());
    const starts = keyGroups([src], cand);
    expect(starts.length - 1).toBe(sorted.length);
    const absent = [-big + 1n, -2n, 2n, 2n ** 32n + 2n, big - 2n, 5n * 2n ** 32n + 8n, 999n, 1300n];
    const spineKeys = [...sorted, ...absent];
    const finder = groupFinder([src], cand, starts, [keyColumn(spineKeys)]);
    spineKeys.forEach((k, r) => {
      const g = sorted.indexOf(k);
      const start = finder.find(r);
      expect(start, `key ${k}`).toBe(g < 0 ? -1 : 2 * g);
      if (g >= 0) expect(finder.end, `key ${k}`).toBe(2 * g + 2);
    });
  });
});
