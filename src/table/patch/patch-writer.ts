/**
 * Writes a new version of a keyed table either whole (table-writer.ts) or,
 * when few rows changed, as a patch over the previous version's base chunks
 * (docs/FORMAT.md section 9). The patch is cumulative: it is always computed
 * against the base chunks, so a reader applies one patch, and a table is
 * compacted (written whole) as soon as that patch grows past a fraction of
 * the table.
 *
 * Finding the changed rows needs the base rows' hashes by key. They are not
 * stored: a base chunk whose key range receives exactly its row count of
 * new rows with exactly its digest is unchanged and is not read at all;
 * any other base chunk is decoded and merge-joined with the new rows. (Storing
 * per-row hashes would cost 16 incompressible bytes a row, more than the
 * 5% a 1% update is allowed to grow the repository by.)
 */
import type { BlobStore } from '../blob-store.js';
import type { ColumnStore } from '../column-store.js';
import { ColumnStore as Store } from '../column-store.js';
import type { ChunkingParams, ColumnStats, TableManifest, TableSchema } from '../manifest.js';
import { contentHash, MANIFEST_FORMAT, PATCHED_MANIFEST_FORMAT } from '../manifest.js';
import { hashRows, murmur3x86_128, RowDigest, RowEncoder } from '../row-hash.js';
import { readChunk } from '../table-reader.js';
import { writeTable } from '../table-writer.js';
import { typeToString } from '../types.js';
import type { Field, Value } from '../types.js';
import type { TableData } from '../table-data.js';
import { compareValues, formatValue, parseValueAs } from '../values.js';

/** A patch is written only while its entries are at most this fraction of the base rows; past it the table is compacted. */
export const MAX_PATCH_FRACTION = 0.1;
/** Tables with fewer base rows than this are always written whole: a patch would save next to nothing. */
export const MIN_PATCH_BASE_ROWS = 1024;

export interface PatchLimits {
  maxFraction: number;
  minBaseRows: number;
}

/** Base chunks read ahead of the one being compared, so reading overlaps decoding and hashing. */
const READ_AHEAD = 8;

/**
 * FV_PATCH_MAX_FRACTION overrides MAX_PATCH_FRACTION (0: never write a
 * patch). A tuning knob for benchmarks and tests that need versions stored
 * as whole chunk sets; anything that is not a fraction in [0, 1] is ignored.
 */
function maxPatchFraction(): number {
  const raw = process.env.FV_PATCH_MAX_FRACTION;
  const v = raw ? Number(raw) : NaN;
  return v >= 0 && v <= 1 ? v : MAX_PATCH_FRACTION;
}

const DEFAULT_LIMITS: PatchLimits = { maxFraction: maxPatchFraction(), minBaseRows: MIN_PATCH_BASE_ROWS };

/** Positions (in sorted order) of new rows to upsert, and key tuples of base rows to delete. */
interface Change {
  updates: number[];
  inserts: number[];
  deletes: Value[][];
}

/**
 * Writes `store` (rows in `order`, sorted by key for keyed tables) as the
 * next version of a table whose previous version is `previous`. `chunking`
 * is the table's kept chunking (undefined when the schema or key changed,
 * which always means a whole rewrite).
 */
export async function writeTableVersion(store: ColumnStore, order: Uint32Array | null, schema: TableSchema, blobs: BlobStore, previous: TableManifest | null, chunking: ChunkingParams | undefined, limits: PatchLimits = DEFAULT_LIMITS): Promise<TableManifest> {
  if (order !== null && patchBase(store.fields, schema, previous, chunking) !== null) {
    const m = await tryPatch(store, order, schema, blobs, previous!, chunking!, limits);
    if (m !== null) return m;
  }
  return writeTable(store, order, schema, blobs, chunking);
}

/**
 * `previous`, when a version with these fields and schema may be written as
 * a patch over its base chunks: same fields and key, kept chunking, a key.
 */
export function patchBase(fields: Field[], schema: TableSchema, previous: TableManifest | null, chunking: ChunkingParams | undefined): TableManifest | null {
  const same = (p: TableManifest): boolean => p.key.join('\0') === schema.key.join('\0') && p.fields.length === fields.length && fields.every((f, i) => f.name === p.fields[i]!.name && typeToString(f.type) === p.fields[i]!.type);
  return previous !== null && chunking !== undefined && schema.key.length > 0 && same(previous) ? previous : null;
}

/** The most entries a patch over `previous` may have, or -1 when its base is too small to patch at all. */
export function patchLimit(previous: TableManifest, limits: PatchLimits = DEFAULT_LIMITS): number {
  const baseRows = previous.chunks.reduce((s, c) => s + c.rows, 0);
  return baseRows < limits.minBaseRows ? -1 : Math.floor(baseRows * limits.maxFraction);
}

async function tryPatch(store: ColumnStore, order: Uint32Array, schema: TableSchema, blobs: BlobStore, previous: TableManifest, chunking: ChunkingParams, limits: PatchLimits): Promise<TableManifest | null> {
  const limit = patchLimit(previous, limits);
  if (limit < 0) return null;
  const n = store.rowCount;
  const types = store.fields.map((f) => f.type);
  const keyIdx = schema.key.map((k) => store.fields.findIndex((f) => f.name === k));
  const rowHashes = hashStoreRows(store, order);
  const total = new RowDigest();
  for (let i = 0; i < n; i++) total.add(rowHashes, i * 4);

  // Merge-join the new rows (sorted) with the base chunks (sorted, in key order).
  const change: Change = { updates: [], inserts: [], deletes: [] };
  const size = (): number => change.updates.length + change.inserts.length + change.deletes.length;
  const cmpNewToValues = (i: number, key: Value[]): number => {
    for (let k = 0; k < keyIdx.length; k++) {
      const c = compareValues(store.get(keyIdx[k]!, order[i]!), key[k]!);
      if (c !== 0) return c;
    }
    return 0;
  };
  // Pass 1: the new rows falling in each base chunk's key range (up to its last key), and whether the chunk is unchanged.
  const ranges: { start: number; end: number; same: boolean }[] = [];
  let i = 0;
  for (const c of previous.chunks) {
    const keyMax = c.key_max!.map((t, k) => parseValueAs(t, types[keyIdx[k]!]!));
    let j = i;
    while (j < n && cmpNewToValues(j, keyMax) <= 0) j++;
    // The same number of rows in the chunk's key range with the same digest: the same rows.
    ranges.push({ start: i, end: j, same: j - i === c.rows && sumHex(rowHashes, i, j) === c.digest });
    i = j;
  }
  // Pass 2: merge-join each changed chunk with its range. Reads run a few chunks ahead of decoding.
  const changed = previous.chunks.map((c, k) => ({ c, r: ranges[k]! })).filter((x) => !x.r.same);
  // A window of reads in flight; each is dropped once compared, so at most READ_AHEAD decoded chunks are held.
  const reads: Promise<TableData>[] = [];
  let started = 0;
  for (let k = 0; k < changed.length; k++) {
    while (started < Math.min(changed.length, k + READ_AHEAD)) {
      const p = readChunk(blobs, previous, changed[started++]!.c);
      p.catch(() => {}); // awaited in order below; marked handled so an early failure is not an unhandled rejection
      reads.push(p);
    }
    const base = await reads.shift()!;
    const { start, end } = changed[k]!.r;
    const baseHashes = hashRows(base.columns, types, base.rowCount, null).rowHashes;
    let b = 0;
    let a = start;
    while (b < base.rowCount || a < end) {
      const key = b < base.rowCount ? keyIdx.map((x) => base.columns[x]![b]!) : null;
      const cmp = key === null ? -1 : a >= end ? 1 : cmpNewToValues(a, key);
      if (cmp < 0) change.inserts.push(a++);
      else if (cmp > 0) {
        change.deletes.push(key!);
        b++;
      } else {
        if (!sameHash(rowHashes, a, baseHashes, b)) change.updates.push(a);
        a++;
        b++;
      }
    }
    // Too big a change: stop reading and write the table whole (compaction).
    if (size() > limit) {
      await Promise.allSettled(reads);
      return null;
    }
  }
  for (; i < n; i++) change.inserts.push(i);
  if (size() > limit) return null;

  const rowsOf = (picks: number[]): Store => {
    const s = new Store(store.fields);
    s.appendStore(store, picks.map((p) => order[p]!));
    return s;
  };
  const deletes = new Store(keyIdx.map((k) => store.fields[k]!));
  for (const k of change.deletes) deletes.pushRow(k);
  const parts: PatchParts = { updates: rowsOf(change.updates), inserts: rowsOf(change.inserts), deletes, columns: store.fields.map((_, c) => wholeColumnStats(store, c)) };
  return writePatch(schema, n, total.toHex(), previous, chunking, parts, blobs);
}

/** A patch's rows (key order each) and the new version's column statistics. */
export interface PatchParts {
  updates: ColumnStore;
  inserts: ColumnStore;
  /** Key columns only. */
  deletes: ColumnStore;
  columns: ColumnStats[];
}

/**
 * Writes the patch's parts as chunks and returns the new version's manifest
 * over `previous`'s base chunks: `rows` rows whose row hashes sum to `digest`.
 */
export async function writePatch(schema: TableSchema, rows: number, digest: string, previous: TableManifest, chunking: ChunkingParams, parts: PatchParts, blobs: BlobStore): Promise<TableManifest> {
  const manifest: TableManifest = {
    format: MANIFEST_FORMAT,
    fields: schema.fields.map((f) => ({ name: f.name, type: typeToString(f.type) })),
    key: schema.key,
    time: schema.time,
    rows,
    digest,
    content_hash: contentHash(schema, digest, rows),
    chunking: previous.chunking,
    chunks: previous.chunks,
  };
  // No change at all against the base: the base chunks alone are the table.
  if (parts.updates.rowCount + parts.inserts.rowCount + parts.deletes.rowCount === 0) return manifest;
  const part = async (s: Store, time: string | null) => (s.rowCount === 0 ? [] : (await writeTable(s, null, { fields: s.fields, key: schema.key, time }, blobs, chunking)).chunks);
  manifest.format = PATCHED_MANIFEST_FORMAT;
  manifest.patch = {
    updates: await part(parts.updates, schema.time),
    inserts: await part(parts.inserts, schema.time),
    deletes: await part(parts.deletes, null),
    columns: parts.columns,
  };
  return manifest;
}

/** The 128-bit hash of every row of `store` in `order` (null: as stored), 4 lanes a row. */
export function hashStoreRows(store: ColumnStore, order: Uint32Array | null): Uint32Array {
  const all = store.fields.map((_, c) => c);
  const enc = new RowEncoder();
  const out = new Uint32Array(store.rowCount * 4);
  for (let i = 0; i < store.rowCount; i++) {
    store.encodeRow(order === null ? i : order[i]!, all, enc);
    murmur3x86_128(enc.bytes(), out, i * 4);
  }
  return out;
}

function sumHex(hashes: Uint32Array, from: number, to: number): string {
  const d = new RowDigest();
  for (let i = from; i < to; i++) d.add(hashes, i * 4);
  return d.toHex();
}

function sameHash(a: Uint32Array, i: number, b: Uint32Array, j: number): boolean {
  return a[i * 4] === b[j * 4] && a[i * 4 + 1] === b[j * 4 + 1] && a[i * 4 + 2] === b[j * 4 + 2] && a[i * 4 + 3] === b[j * 4 + 3];
}

function wholeColumnStats(store: ColumnStore, c: number): ColumnStats {
  const t = store.fields[c]!.type;
  const { nulls, minRow, maxRow } = store.columns[c]!.extremes(null, 0, store.rowCount);
  return { nulls, min: minRow < 0 ? null : formatValue(store.get(c, minRow), t), max: maxRow < 0 ? null : formatValue(store.get(c, maxRow), t) };
}
