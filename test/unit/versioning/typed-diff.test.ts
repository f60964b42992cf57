/**
 * The keyed diff over typed columns (typed-cells.ts, typed-keyed-diff.ts):
 * cells compare exactly as compareValues compares their values, for every
 * type, whichever way the chunk was read; and diffs of versions written
 * whole agree with a diff computed naively from the rows.
 */
import { describe, expect, it } from 'vitest';
import { encodeArrowIpc } from '../../../src/table/arrow/arrow-codec.js';
import { readChunkBuffers } from '../../../src/table/arrow/chunk-buffers.js';
import { chunkColumnOf } from '../../../src/table/arrow/chunk-columns.js';
import { columnarFromTableData } from '../../../src/table/arrow/typed-columns.js';
import { ColumnStore } from '../../../src/table/column-store.js';
import type { TableManifest } from '../../../src/table/manifest.js';
import { keyIndexes, sortOrderByKey } from '../../../src/table/sort.js';
import type { TableData } from '../../../src/table/table-data.js';
import { writeTable } from '../../../src/table/table-writer.js';
import type { Field, Value } from '../../../src/table/types.js';
import { parseType } from '../../../src/table/types.js';
import { compareValues } from '../../../src/table/values.js';
import { diffTable } from '../../../src/versioning/diff/table-diff.js';
import type { RowChange } from '../../../src/versioning/diff/table-diff.js';
import { cellColumn, cellCompare } from '../../../src/versioning/diff/typed-cells.js';
import { MemoryBlobs } from '../../helpers/memory-blobs.js';
import { rng } from '../../helpers/random.js';
import { allTypes, table } from '../arrow/all-types.js';

/** Float cells whose order compareValues defines specially (NaN last and equal to itself, -0 before 0). */
function floats(): TableData {
  const xs: Value[] = [Number.NaN, -0, 0, null, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 1.5, -1.5, Number.MIN_VALUE, -Number.MIN_VALUE];
  return table([['f64', 'float64', xs], ['f32', 'float32', xs.map((x) => (typeof x === 'number' ? Math.fround(x) : x))]]);
}

/** Text and binary cells whose byte order differs from UTF-16 order, and prefixes of each other. */
function bytesTable(): TableData {
  const s: Value[] = ['', 'a', 'ab', 'b', '\u{10000}', '\uffff', '\ue000', null, 'é', 'e'];
  return table([
    ['s', 'utf8', s],
    ['ls', 'large_utf8', s],
    ['bin', 'binary', s.map((x) => (x === null ? null : new Uint8Array(Buffer.from(x as string, 'utf8'))))],
  ]);
}

const sign = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : 0);

describe('typed cell comparison', () => {
  it('orders every pair of cells as compareValues orders their values, for every type and both ways of reading a chunk', () => {
    for (const t of [allTypes(), floats(), bytesTable()]) {
      // fv's own layout has no 64-bit offsets: large_utf8 chunks are only ever read the general way.
      const own = t.fields.map((f, c) => c).filter((c) => t.fields[c]!.type.kind !== 'large_utf8');
      const ownTable: TableData = { fields: own.map((c) => t.fields[c]!), columns: own.map((c) => t.columns[c]!), rowCount: t.rowCount };
      const fvLayout = readChunkBuffers(encodeArrowIpc(ownTable, { format: 'file' }), ownTable.fields, t.rowCount);
      expect(fvLayout).not.toBeNull();
      const general = columnarFromTableData(t).columns.map(chunkColumnOf);
      for (const [tt, buffers] of [[ownTable, fvLayout!], [t, general]] as const) {
        tt.fields.forEach((f, c) => {
          const col = cellColumn(f.type, buffers[c]!);
          const cmp = cellCompare(f.type);
          for (let i = 0; i < tt.rowCount; i++) {
            for (let j = 0; j < tt.rowCount; j++) {
              expect([f.name, i, j, sign(cmp(col, i, col, j))]).toEqual([f.name, i, j, sign(compareValues(tt.columns[c]![i]!, tt.columns[c]![j]!))]);
            }
          }
        });
      }
    }
  });
});

const FIELDS: Field[] = [
  { name: 'k', type: parseType('int64') },
  { name: 'name', type: parseType('utf8') },
  { name: 'x', type: parseType('float64') },
  { name: 'n', type: parseType('int32') },
  { name: 't', type: parseType('timestamp[ms, UTC]') },
  { name: 'd', type: parseType('decimal(20, 2)') },
  { name: 'b', type: parseType('bool') },
];

async function writeWhole(blobs: MemoryBlobs, rows: Value[][], key: string[]): Promise<TableManifest> {
  const t: TableData = { fields: FIELDS, columns: FIELDS.map((_, c) => rows.map((r) => r[c]!)), rowCount: rows.length };
  const store = ColumnStore.fromTableData(t);
  const order = sortOrderByKey(store, keyIndexes(FIELDS, key, 't'), (r) => `row ${r}`);
  // Small chunks, so a few hundred rows span many chunks and most survive a change unshared.
  return writeTable(store, order, { fields: FIELDS, key, time: null }, blobs, { mask_bits: 3, min_rows: 4, max_rows: 32 });
}

function record(r: Value[]): Record<string, Value> {
  return Object.fromEntries(FIELDS.map((f, c) => [f.name, r[c]!]));
}

/** The diff computed from the rows alone: by key, in key order. */
function naiveDiff(before: Value[][], after: Value[][], keyIdx: number[]): { added: number; removed: number; modified: number; rows: RowChange[] } {
  const keyOf = (r: Value[]): Value[] => keyIdx.map((c) => r[c]!);
  const cmpKeys = (a: Value[], b: Value[]): number => {
    for (let i = 0; i < a.length; i++) {
      const c = compareValues(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return 0;
  };
  const byKey = (a: Value[], b: Value[]): number => cmpKeys(keyOf(a), keyOf(b));
  const bs = [...before].sort(byKey);
  const as = [...after].sort(byKey);
  const out = { added: 0, removed: 0, modified: 0, rows: [] as RowChange[] };
  let i = 0, j = 0;
  while (i < bs.length || j < as.length) {
    const c = i >= bs.length ? 1 : j >= as.length ? -1 : byKey(bs[i]!, as[j]!);
    if (c < 0) {
      out.removed++;
      out.rows.push({ op: 'removed', key: keyOf(bs[i]!), before: record(bs[i]!), after: null });
      i++;
    } else if (c > 0) {
      out.added++;
      out.rows.push({ op: 'added', key: keyOf(as[j]!), before: null, after: record(as[j]!) });
      j++;
    } else {
      if (bs[i]!.some((v, col) => compareValues(v, as[j]![col]!) !== 0)) {
        out.modified++;
        out.rows.push({ op: 'modified', key: keyOf(bs[i]!), before: record(bs[i]!), after: record(as[j]!) });
      }
      i++;
      j++;
    }
  }
  return out;
}

function randomRow(next: () => number, k: number): Value[] {
  const maybeNull = <T extends Value>(v: T): T | null => (next() < 0.1 ? null : v);
  const words = ['', 'a', 'é', '日本', 'zz', '\u{1f389}'];
  return [
    BigInt(k) * (k % 2 === 0 ? 1n : -1n) * 2n ** 40n,
    // Never null: it is part of a composite key in some runs.
    words[Math.floor(next() * words.length)]! + String(Math.floor(next() * 3)),
    maybeNull([Number.NaN, -0, 0, 1.25, -7.5, 1e300][Math.floor(next() * 6)]!),
    maybeNull(Math.floor(next() * 5) - 2),
    maybeNull(BigInt(Math.floor(next() * 4)) - 2n ** 62n),
    maybeNull(BigInt(Math.floor(next() * 4) - 2) * 10n ** 19n),
    maybeNull(next() < 0.5),
  ];
}

/** A random change: some rows modified (one cell, possibly to null, NaN or -0), some deleted, some inserted. */
function change(next: () => number, rows: Value[][], firstNewKey: number, clustered: boolean): Value[][] {
  const out: Value[][] = [];
  const from = Math.floor(next() * rows.length);
  rows.forEach((r, i) => {
    const touched = clustered ? i >= from && i < from + 20 : next() < 0.05;
    if (!touched) return out.push(r);
    if (next() < 0.15) return; // deleted
    const copy = [...r];
    const c = 1 + Math.floor(next() * (FIELDS.length - 1));
    copy[c] = randomRow(next, 0)[c]!;
    out.push(copy);
  });
  for (let k = 0; k < 5; k++) out.push(randomRow(next, firstNewKey + k));
  return out;
}

describe('typed keyed diff of versions stored whole', () => {
  it('agrees with a naive diff of the rows, in counts and in the rows shown, clustered or scattered, either way round', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      const next = rng(seed);
      const blobs = new MemoryBlobs();
      const v1 = Array.from({ length: 300 }, (_, k) => randomRow(next, k));
      const v2 = change(next, v1, 1000, seed % 2 === 0);
      const key = seed % 3 === 0 ? ['name', 'k'] : ['k'];
      const keyIdx = key.map((k) => FIELDS.findIndex((f) => f.name === k));
      const m1 = await writeWhole(blobs, v1, key);
      const m2 = await writeWhole(blobs, v2, key);
      for (const [a, b, ma, mb] of [[v1, v2, m1, m2], [v2, v1, m2, m1]] as const) {
        const want = naiveDiff(a, b, keyIdx);
        const got = await diffTable(blobs, ma, mb, { limit: 1_000_000 });
        expect({ added: got.added, removed: got.removed, modified: got.modified }).toEqual({ added: want.added, removed: want.removed, modified: want.modified });
        expect(got.rows).toEqual(want.rows);
        const limited = await diffTable(blobs, ma, mb, { limit: 3 });
        expect(limited.rows).toEqual(want.rows.slice(0, 3));
      }
      // A table added or removed as a whole: every row, from one side.
      const added = await diffTable(blobs, null, m2, { limit: 1_000_000 });
      expect([added.status, added.added, added.rows]).toEqual(['added', v2.length, naiveDiff([], v2, keyIdx).rows]);
    }
  });
});
