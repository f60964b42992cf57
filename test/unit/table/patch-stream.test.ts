// The streamed next version of a keyed table (table/patch/patch-builder.ts
// through api/import-stream.ts) against the in-memory one (readColumns, sort,
// writeTableVersion) on random tables and edits: updates, inserts, deletes
// under and over the patch limit, duplicates, unsorted rows and CSV type
// guesses that prove wrong. Both must give the same manifest (chunk ids
// included, so the same bytes) or the same error.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importStreamed } from '../../../src/api/import-stream.js';
import { openInput, readColumns } from '../../../src/table/formats/read-columns.js';
import type { ChunkingParams, TableManifest, TableSchema } from '../../../src/table/manifest.js';
import { PatchBuilder } from '../../../src/table/patch/patch-builder.js';
import { writeTableVersion } from '../../../src/table/patch/patch-writer.js';
import { keyIndexes, sortOrderByKey } from '../../../src/table/sort.js';
import { readWholeTable } from '../../../src/table/table-reader.js';
import type { Field } from '../../../src/table/types.js';
import { typeToString } from '../../../src/table/types.js';
import { MemoryBlobs } from '../../helpers/memory-blobs.js';
import { rng } from '../../helpers/random.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fv-patch-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HEADER = 'id,tag,score,count,flag,day,note';
const KEY = ['id', 'tag'];

type Row = [number, string, string, string, string, string, string];

/** A random row with key (id, tag): floats with -0, 0 and NaN, integers that may guess as int, nulls (empty cells). */
function randomRow(r: () => number, id: number, tag: string): Row {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const score = pick(['0', '-0', 'NaN', '', (r() * 200 - 100).toFixed(3), String(Math.floor(r() * 50))]);
  const count = r() < 0.1 ? '' : String(Math.floor(r() * 1e6) - 5e5);
  const flag = pick(['true', 'false', '']);
  const day = `2024-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 10)}`;
  const note = r() < 0.1 ? '' : pick(['alpha', 'beta', 'gamma "q"', 'délta', 'x,y']) + ' ' + Math.floor(r() * 1000);
  return [id, tag, score, count, flag, day, note];
}

const cell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function writeCsv(name: string, rows: Row[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, [HEADER, ...rows.map((row) => row.map((v) => cell(String(v))).join(','))].join('\n') + '\n');
  return file;
}

/** The table's kept chunking for these fields: the base's, while its fields are unchanged. */
function kept(base: TableManifest, fields: Field[]): ChunkingParams | undefined {
  const same = fields.length === base.fields.length && fields.every((f, i) => f.name === base.fields[i]!.name && typeToString(f.type) === base.fields[i]!.type);
  return same ? base.chunking : undefined;
}

function copyOf(blobs: MemoryBlobs): MemoryBlobs {
  const out = new MemoryBlobs();
  for (const [k, v] of blobs.blobs) out.blobs.set(k, v);
  return out;
}

/** How the in-memory import writes `file` over `base`. */
async function inMemory(file: string, blobs: MemoryBlobs, base: TableManifest | null): Promise<TableManifest> {
  const { store, rowLabel } = await readColumns({ format: 'csv', file });
  const schema: TableSchema = { fields: store.fields, key: KEY, time: null };
  const order = sortOrderByKey(store, keyIndexes(store.fields, KEY, file), rowLabel);
  return writeTableVersion(store, order, schema, blobs, base, base === null ? undefined : kept(base, store.fields));
}

/** How the streamed import writes `file` over `base`. */
async function streamed(file: string, blobs: MemoryBlobs, base: TableManifest): Promise<TableManifest> {
  const input = await openInput({ format: 'csv', file });
  try {
    const t = await importStreamed(input, blobs, {
      key: KEY,
      time: null,
      validate: () => {},
      chunking: (fields) => kept(base, fields),
      patch: (schema) => PatchBuilder.over(schema.fields, schema, blobs, base, kept(base, schema.fields)),
    });
    return t.manifest;
  } finally {
    input.close();
  }
}

async function outcome(run: () => Promise<TableManifest>): Promise<TableManifest | string> {
  try {
    return await run();
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

interface Edit {
  /** Fraction of base rows changed, deleted, and new rows added. */
  update: number;
  remove: number;
  insert: number;
  duplicate?: boolean;
  shuffle?: boolean;
  /** A late row gets a fractional count, so a CSV guess of int64 proves wrong. */
  lateFloat?: boolean;
  /** Updated rows only turn a score of 0 into -0 and back (a change) or keep a NaN (none). */
  zeroFlip?: boolean;
}

/** The row with a score of 0 and -0 swapped. */
function flipZero(row: Row): Row {
  const out = [...row] as Row;
  out[2] = row[2] === '0' ? '-0' : row[2] === '-0' ? '0' : row[2];
  return out;
}

const TAGS = ['a', 'b', 'c'];

/** Compares both paths on one random case; says what was written: 'patch', 'base' (unchanged), 'whole' or the error. */
async function compareCase(seed: number, n: number, edit: Edit): Promise<string> {
  const r = rng(seed);
  const base: Row[] = [];
  for (let i = 0; i < n; i++) base.push(randomRow(r, i * 4, TAGS[Math.floor(r() * 3)]!));
  const baseBlobs = new MemoryBlobs();
  const v1 = await inMemory(writeCsv(`v1-${seed}.csv`, base), baseBlobs, null);

  let next: Row[] = [];
  for (const row of base) {
    const x = r();
    if (x < edit.remove) continue;
    next.push(x >= edit.remove + edit.update ? row : edit.zeroFlip ? flipZero(row) : randomRow(r, row[0], row[1]));
  }
  const inserts = Math.round(n * edit.insert);
  for (let i = 0; i < inserts; i++) next.push(randomRow(r, Math.floor(r() * (n + 50)) * 4 + 1 + Math.floor(r() * 3), 'z'));
  // Appended keys past the base's last key too.
  if (inserts > 0) next.push(randomRow(r, n * 4 + 7, 'a'));
  next = dedupe(next);
  next.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  if (edit.duplicate) next.splice(Math.floor(r() * next.length), 0, next[Math.floor(r() * next.length)]!);
  if (edit.shuffle) for (let i = next.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [next[i], next[j]] = [next[j]!, next[i]!]; }
  if (edit.lateFloat) next[next.length - 1]![3] = '2.5';
  const file = writeCsv(`v2-${seed}.csv`, next);

  const memBlobs = copyOf(baseBlobs);
  const streamBlobs = copyOf(baseBlobs);
  const expected = await outcome(() => inMemory(file, memBlobs, v1));
  const got = await outcome(() => streamed(file, streamBlobs, v1));
  expect(got).toEqual(expected);
  if (typeof got === 'string') return got.startsWith('error: duplicate key') ? 'duplicate' : got;
  // The streamed version reads back as the in-memory one.
  expect(await readWholeTable(streamBlobs, got)).toEqual(await readWholeTable(memBlobs, expected as TableManifest));
  return got.patch ? 'patch' : got.chunks === v1.chunks ? 'base' : 'whole';
}

function dedupe(rows: Row[]): Row[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const k = `${row[0]}\0${row[1]}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Small batches and runs, so rows cross batch and chunk boundaries every way. */
function withSmallBatches(batch: number, run: number, body: () => Promise<void>): () => Promise<void> {
  return async () => {
    process.env.FV_IMPORT_BATCH_ROWS = String(batch);
    process.env.FV_IMPORT_RUN_ROWS = String(run);
    try {
      await body();
    } finally {
      delete process.env.FV_IMPORT_BATCH_ROWS;
      delete process.env.FV_IMPORT_RUN_ROWS;
    }
  };
}

describe('streamed next version matches the in-memory one', () => {
  // Each case, and what both paths write for it.
  const cases: [string, Edit, string][] = [
    ['no change', { update: 0, remove: 0, insert: 0 }, 'base'],
    ['a few updates', { update: 0.01, remove: 0, insert: 0 }, 'patch'],
    ['updates, deletes and inserts under the limit', { update: 0.03, remove: 0.02, insert: 0.02 }, 'patch'],
    ['over the patch limit', { update: 0.08, remove: 0.03, insert: 0.03 }, 'whole'],
    ['far over the limit', { update: 0.5, remove: 0.1, insert: 0.2 }, 'whole'],
    ['deletes only', { update: 0, remove: 0.05, insert: 0 }, 'patch'],
    ['inserts only', { update: 0, remove: 0, insert: 0.06 }, 'patch'],
    ['a duplicate key', { update: 0.01, remove: 0, insert: 0.01, duplicate: true }, 'duplicate'],
    ['unsorted rows', { update: 0.02, remove: 0.01, insert: 0.01, shuffle: true }, 'patch'],
    ['unsorted rows over the limit', { update: 0.2, remove: 0, insert: 0.01, shuffle: true }, 'whole'],
    ['a type guess that proves wrong', { update: 0.01, remove: 0, insert: 0.01, lateFloat: true }, 'whole'],
    ['0 turned into -0 and back', { update: 0.2, remove: 0, insert: 0, zeroFlip: true }, 'patch'],
  ];
  cases.forEach(([name, edit, written], i) => {
    it(name, withSmallBatches(97, 401, async () => {
      for (let s = 0; s < 3; s++) expect(await compareCase(1000 + i * 10 + s, 1200 + s * 700, edit)).toBe(written);
    }), 60_000);
  });

  it('with the default batch sizes', async () => {
    expect(await compareCase(7, 3000, { update: 0.02, remove: 0.01, insert: 0.01 })).toBe('patch');
  }, 60_000);
});
