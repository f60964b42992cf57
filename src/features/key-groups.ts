/**
 * Key groups of a join source (runs of equal entity keys among its ranked
 * candidate rows, pit-join.ts) and finding a spine row's group.
 */
import type { Comparable } from './comparable.js';
import { cmpNum, compareKeys } from './comparable.js';

/** Start positions in `cand` of each run of equal keys, then cand.length. */
export function keyGroups(keys: Comparable[], cand: Int32Array): Int32Array {
  const m = cand.length;
  const starts = new Int32Array(m + 1);
  let groups = 0;
  const single = keys.length === 1 ? keys[0]!.fast : null;
  for (let p = 0; p < m; p++) {
    const boundary = p === 0 || (single !== null ? single[cand[p - 1]!] !== single[cand[p]!] : compareKeys(keys, cand[p - 1]!, keys, cand[p]!) !== 0);
    if (boundary) starts[groups++] = p;
  }
  starts[groups] = m;
  return starts.slice(0, groups + 1);
}

/**
 * Finds the key group of a spine row: find(r) returns the position in
 * `cand` where the group with spine row r's keys starts, or -1 when no group
 * has them, and leaves where that group ends in `end`.
 */
export interface GroupFinder {
  find(r: number): number;
  end: number;
}

/**
 * A GroupFinder for the groups `groupStart` of `cand` (rows of a source
 * with key columns `srcKeys`), looked up by the spine's `spineKeys`. One
 * exact key on both sides (the usual integer entity id) goes through a hash
 * table, anything else through a binary search over the groups.
 */
export function groupFinder(srcKeys: Comparable[], cand: Int32Array, groupStart: Int32Array, spineKeys: Comparable[]): GroupFinder {
  const groups = groupStart.length - 1;
  const src = srcKeys.length === 1 ? srcKeys[0]!.fast : null;
  const spine = spineKeys.length === 1 ? spineKeys[0]!.fast : null;
  if (src !== null && spine !== null) return new HashedGroups(src, cand, groupStart, spine);
  const vsSpine = groupKeyComparator(srcKeys, cand, groupStart, groups, spineKeys);
  return {
    end: 0,
    find(r: number): number {
      // The first group whose key is >= the spine row's.
      let lo = 0;
      let hi = groups;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (vsSpine(mid, r) < 0) lo = mid + 1;
        else hi = mid;
      }
      if (lo === groups || vsSpine(lo, r) !== 0) return -1;
      this.end = groupStart[lo + 1]!;
      return groupStart[lo]!;
    },
  };
}

/**
 * Groups by key in an open-addressing hash table: with the spine in no
 * particular order, each of the ~17 steps of a binary search over 100k
 * groups, and then the group's bounds, were cache misses; here a lookup
 * touches one or two adjacent 16-byte slots, each holding a key (float64)
 * and its group's start and end (int32). Keys are exact integers of
 * magnitude below 2^53 (Comparable.fast without nulls), never NaN, so NaN
 * marks an empty slot.
 */
class HashedGroups implements GroupFinder {
  end = 0;
  private readonly keys: Float64Array;
  private readonly bounds: Int32Array;
  private readonly mask: number;
  private readonly shift: number;

  constructor(
    srcKeys: Float64Array,
    cand: Int32Array,
    groupStart: Int32Array,
    private readonly spine: Float64Array,
  ) {
    const groups = groupStart.length - 1;
    let bits = 1;
    while (1 << bits < 2 * groups) bits++;
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    const slots = new ArrayBuffer(16 << bits);
    // Slot i: the key at keys[2i], the group's start and end at bounds[4i + 2] and bounds[4i + 3].
    this.keys = new Float64Array(slots).fill(NaN);
    this.bounds = new Int32Array(slots);
    for (let g = 0; g < groups; g++) {
      const k = srcKeys[cand[groupStart[g]!]!]!;
      let i = slotOf(k, this.shift);
      while (!Number.isNaN(this.keys[2 * i]!)) i = (i + 1) & this.mask;
      this.keys[2 * i] = k;
      this.bounds[4 * i + 2] = groupStart[g]!;
      this.bounds[4 * i + 3] = groupStart[g + 1]!;
    }
  }

  find(r: number): number {
    const k = this.spine[r]!;
    for (let i = slotOf(k, this.shift); ; i = (i + 1) & this.mask) {
      const s = this.keys[2 * i]!;
      if (s === k) {
        this.end = this.bounds[4 * i + 3]!;
        return this.bounds[4 * i + 2]!;
      }
      if (s !== s) return -1; // NaN: an empty slot ends the probe
    }
  }
}

/** The home slot of integer key k: its low and high 32-bit words mixed (multiplicative hashing), top `32 - shift` bits. */
function slotOf(k: number, shift: number): number {
  const lo = k >>> 0;
  const hi = Math.floor(k / 4294967296) | 0;
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> shift;
}

/**
 * Compares key group g (its rows in `cand` from groupStart[g]) with spine
 * row r. With exact float64 keys on both sides the groups' keys are copied
 * into contiguous arrays first: the binary search over them then stays in
 * cache instead of chasing group -> row -> key through three large arrays.
 */
function groupKeyComparator(srcKeys: Comparable[], cand: Int32Array, groupStart: Int32Array, groups: number, spineKeys: Comparable[]): (g: number, r: number) => number {
  const fastSpine = spineKeys.map((k) => k.fast);
  if (srcKeys.some((k) => k.fast === null) || fastSpine.some((k) => k === null)) return (g, r) => compareKeys(srcKeys, cand[groupStart[g]!]!, spineKeys, r);
  const groupKeys = srcKeys.map((k) => {
    const keys = new Float64Array(groups);
    for (let g = 0; g < groups; g++) keys[g] = k.fast![cand[groupStart[g]!]!]!;
    return keys;
  });
  const spine = fastSpine as Float64Array[];
  return (g, r) => {
    for (let i = 0; i < groupKeys.length; i++) {
      const c = cmpNum(groupKeys[i]![g]!, spine[i]![r]!);
      if (c !== 0) return c;
    }
    return 0;
  };
}
