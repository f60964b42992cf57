// Chunk encoding from gathered arrays (what a worker thread holds) against
// what ColumnStore itself says about the same rows, and the worker pool:
// same chunks as in-thread encoding, and a failing or dying worker surfaces
// as the error the main thread would have raised.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { encodeGatheredChunk, gatherChunk } from '../../../src/table/chunk-encode.js';
import { openChunkEncoder } from '../../../src/table/chunk-encoder.js';
import type { ChunkEncoder, StoredChunk } from '../../../src/table/chunk-encoder.js';
import { WorkerChunkEncoder } from '../../../src/table/chunk-worker-pool.js';
import { ColumnStore } from '../../../src/table/column-store.js';
import { murmur3x86_128, RowDigest, RowEncoder } from '../../../src/table/row-hash.js';
import { formatValue } from '../../../src/table/values.js';
import { allTypes } from '../arrow/all-types.js';
import { MemoryBlobs as PlainMemoryBlobs } from '../../helpers/memory-blobs.js';

/** Blobs in memory, stored either way a ChunkEncoder stores them, kept as their raw bytes. */
class MemoryBlobs extends PlainMemoryBlobs {
  async writeHashedBlob(oid: string, bytes: Uint8Array): Promise<void> {
    expect(await new MemoryBlobs().writeBlob(bytes), 'the id a worker computed is the git blob id of its bytes').toBe(oid);
    this.blobs.set(oid, new Uint8Array(bytes));
  }
}

/** allTypes() repeated, so chunks have min/max ties and nulls in every column. */
function store(copies: number): ColumnStore {
  const s = new ColumnStore(allTypes().fields);
  for (let i = 0; i < copies; i++) s.appendTableData(allTypes());
  return s;
}

/** A fixed shuffle of 0..n-1. */
function shuffled(n: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let x = 7;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

const RANGES: [number, number][] = [[0, 1], [0, 5], [3, 17], [17, 40]];

describe('encoding a gathered chunk', () => {
  it('gives the statistics, key range and digest ColumnStore gives for the same rows', () => {
    const s = store(8);
    const enc = new RowEncoder();
    const all = s.fields.map((_, i) => i);
    for (const order of [null, shuffled(s.rowCount)]) {
      for (const [start, end] of RANGES) {
        const { ref, digest } = encodeGatheredChunk(gatherChunk(s, order, start, end), [3, 0], enc);
        const row = (i: number) => (order === null ? i : order[i]!);
        ref.columns.forEach((stats, c) => {
          const t = s.fields[c]!.type;
          const { nulls, minRow, maxRow } = s.columns[c]!.extremes(order, start, end);
          const text = (r: number) => (r < 0 ? null : formatValue(s.get(c, r), t));
          expect(stats, `${s.fields[c]!.name} rows ${start}..${end}`).toEqual({ nulls, min: text(minRow), max: text(maxRow) });
        });
        expect(ref.key_min).toEqual([3, 0].map((c) => formatValue(s.get(c, row(start)), s.fields[c]!.type)));
        expect(ref.key_max).toEqual([3, 0].map((c) => formatValue(s.get(c, row(end - 1)), s.fields[c]!.type)));
        const expected = new RowDigest();
        const h = new Uint32Array(4);
        for (let i = start; i < end; i++) {
          s.encodeRow(row(i), all, enc);
          murmur3x86_128(enc.bytes(), h);
          expected.add(h);
        }
        expect(digest.toHex()).toBe(expected.toHex());
      }
    }
  });
});

async function encodeAll(encoder: ChunkEncoder, s: ColumnStore, order: Uint32Array | null): Promise<StoredChunk[]> {
  try {
    return await Promise.all(RANGES.map(([start, end]) => encoder.encode(s, order, start, end)));
  } finally {
    await encoder.close();
  }
}

const COMPILED_WORKER = new URL('../../../dist/table/chunk-worker.js', import.meta.url);

describe('the worker pool', () => {
  it('is not used from the TypeScript sources: there is no worker script next to them', () => {
    const prev = process.env.FV_WORKERS;
    process.env.FV_WORKERS = '2';
    try {
      expect(openChunkEncoder(new MemoryBlobs(), [], 1000)).not.toBeInstanceOf(WorkerChunkEncoder);
    } finally {
      if (prev === undefined) delete process.env.FV_WORKERS;
      else process.env.FV_WORKERS = prev;
    }
  });

  it.skipIf(!fs.existsSync(fileURLToPath(COMPILED_WORKER)))('stores the same chunks as in-thread encoding (compiled worker from dist/)', async () => {
    const s = store(8);
    const order = shuffled(s.rowCount);
    const inThread = new MemoryBlobs();
    const pooled = new MemoryBlobs();
    const a = await encodeAll(openChunkEncoder(inThread, [0], 0), s, order);
    const b = await encodeAll(new WorkerChunkEncoder(COMPILED_WORKER, 2, [0], (oid, bytes) => pooled.writeHashedBlob(oid, bytes)), s, order);
    expect(b.map((c) => c.ref)).toEqual(a.map((c) => c.ref));
    expect(b.map((c) => c.digest.toHex())).toEqual(a.map((c) => c.digest.toHex()));
    expect(pooled.blobs).toEqual(inThread.blobs);
  });

  it('rejects every chunk with the FvError a worker raised, rebuilt with its code and hint', async () => {
    const worker = new URL('./fixtures/failing-chunk-worker.mjs', import.meta.url);
    const pool = new WorkerChunkEncoder(worker, 1, [], async () => {});
    const s = store(1);
    const results = await Promise.allSettled([pool.encode(s, null, 0, 2), pool.encode(s, null, 2, 5)]);
    const later = await pool.encode(s, null, 0, 1).catch((e: unknown) => e);
    await pool.close();
    for (const r of [...results.map((x) => (x as PromiseRejectedResult).reason), later]) {
      expect(r).toBeInstanceOf(FvError);
      expect(r).toMatchObject({ code: 'TYPE_ERROR', message: 'the worker refused', hint: 'a hint' });
    }
  });

  it('rejects the chunks in flight when a worker thread dies', async () => {
    const worker = new URL('./fixtures/dying-chunk-worker.mjs', import.meta.url);
    const pool = new WorkerChunkEncoder(worker, 1, [], async () => {});
    const s = store(1);
    await expect(pool.encode(s, null, 0, 5)).rejects.toThrow(/chunk worker thread stopped \(exit code 3\)/);
    await pool.close();
  });
});
