/**
 * The table manifest: one canonical-JSON file per table snapshot, stored at
 * `.fv/tables/<name>/manifest.json` in each commit. It is the whole
 * description of a snapshot: schema, key, event-time column, the ordered
 * chunk list (each an Arrow IPC file stored as a git blob) with row counts,
 * key ranges and per-column statistics, and the content hash.
 * docs/FORMAT.md is the normative description; keep the two in step.
 */
import { createHash } from 'node:crypto';
import { FvError } from '../errors/FvError.js';
import { canonicalJson, compactJson } from './canonical-json.js';
import type { Field, FvType } from './types.js';
import { parseType, typeToString } from './types.js';

/** Format of a manifest whose rows are exactly its chunks' rows. */
export const MANIFEST_FORMAT = 1;
/**
 * Format of a manifest with a row-level patch over its chunks (docs/FORMAT.md
 * section 9). Only patched manifests use it, so everything an older fv wrote
 * (and can read) keeps format 1, and an older fv refuses a patched table
 * instead of silently reading its base rows.
 */
export const PATCHED_MANIFEST_FORMAT = 2;

export interface ChunkingParams {
  /** No boundary is cut before a chunk has this many rows. */
  min_rows: number;
  /** A boundary follows a row whose key hash has its low `mask_bits` bits all zero. */
  mask_bits: number;
  /** A boundary is forced at this many rows. */
  max_rows: number;
}

export interface ColumnStats {
  nulls: number;
  /** Text form (formatValue) of the least / greatest non-null value; null when all null. */
  min: string | null;
  max: string | null;
}

export interface ChunkRef {
  /** git blob id of the Arrow IPC file (the chunk's file name in the tree). */
  oid: string;
  rows: number;
  bytes: number;
  /** Sum of the chunk's row hashes (32 hex digits), see row-hash.ts. */
  digest: string;
  /** Text form of the first and last key of the chunk (keyed tables only). */
  key_min?: string[];
  key_max?: string[];
  /** One entry per schema field, in field order. */
  columns: ColumnStats[];
}

export interface TableManifest {
  format: number;
  fields: { name: string; type: string }[];
  key: string[];
  time: string | null;
  rows: number;
  /** Sum of all row hashes (32 hex digits): the order-free fingerprint of the rows. */
  digest: string;
  /** sha256 of the schema, key, time column and row digest: see contentHash(). */
  content_hash: string;
  chunking: ChunkingParams;
  /** The base chunks; with a patch, the table's rows are these rows with the patch applied. */
  chunks: ChunkRef[];
  /** Row-level changes over `chunks` (format 2 only). */
  patch?: TablePatch;
}

/**
 * A cumulative patch over a manifest's base chunks. The three lists hold
 * disjoint keys; each list's chunks are sorted by key and ordered by key
 * range, like base chunks.
 */
export interface TablePatch {
  /** Rows (every column) replacing the base row with the same key. */
  updates: ChunkRef[];
  /** Rows (every column) whose key is in no base chunk. */
  inserts: ChunkRef[];
  /** Keys (the key columns only) of base rows that are removed. */
  deletes: ChunkRef[];
  /** Statistics of the patched table, one per field: the base chunks' statistics no longer add up to them. */
  columns: ColumnStats[];
}

/** Every chunk a manifest refers to: base chunks, then patch chunks. */
export function allChunkRefs(m: TableManifest): ChunkRef[] {
  return m.patch ? [...m.chunks, ...m.patch.updates, ...m.patch.inserts, ...m.patch.deletes] : m.chunks;
}

export interface TableSchema {
  fields: Field[];
  key: string[];
  time: string | null;
}

export function manifestSchema(m: TableManifest): TableSchema {
  return { fields: m.fields.map((f) => ({ name: f.name, type: parseType(f.type) })), key: m.key, time: m.time };
}

export function fieldTypes(m: TableManifest): FvType[] {
  return m.fields.map((f) => parseType(f.type));
}

/**
 * The table's content hash: depends only on its schema and rows, never on
 * how the rows were chunked or in which order they were written.
 */
export function contentHash(schema: TableSchema, digest: string, rows: number): string {
  const head = compactJson({ fields: schema.fields.map((f) => ({ name: f.name, type: typeToString(f.type) })), key: schema.key, time: schema.time });
  return createHash('sha256').update(`fv-table-v1\n${head}\n${rows}\n${digest}\n`).digest('hex');
}

export function encodeManifest(m: TableManifest): Uint8Array {
  return Buffer.from(canonicalJson(m as unknown as Parameters<typeof canonicalJson>[0]), 'utf8');
}

export function decodeManifest(bytes: Uint8Array, where: string): TableManifest {
  let m: unknown;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new FvError('CORRUPT', `${where}: table manifest is not valid JSON`);
  }
  const o = m as Partial<TableManifest> | null;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.fields) || !Array.isArray(o.chunks) || !Array.isArray(o.key) || typeof o.rows !== 'number') {
    throw new FvError('CORRUPT', `${where}: table manifest is malformed`);
  }
  if (o.format !== MANIFEST_FORMAT && o.format !== PATCHED_MANIFEST_FORMAT) {
    throw new FvError('UNSUPPORTED', `${where}: table manifest format ${String(o.format)} is not supported by this fv (expects ${MANIFEST_FORMAT} or ${PATCHED_MANIFEST_FORMAT})`, { hint: 'upgrade fv' });
  }
  const p = o.patch;
  if ((o.format === PATCHED_MANIFEST_FORMAT) !== (p !== undefined)) throw new FvError('CORRUPT', `${where}: table manifest format ${o.format} ${p === undefined ? 'lacks' : 'must not have'} a patch`);
  if (p !== undefined && (p === null || typeof p !== 'object' || !Array.isArray(p.updates) || !Array.isArray(p.inserts) || !Array.isArray(p.deletes) || !Array.isArray(p.columns) || o.key.length === 0)) {
    throw new FvError('CORRUPT', `${where}: table manifest has a malformed patch`);
  }
  for (const c of allChunkRefs(o as TableManifest)) {
    if (typeof c?.oid !== 'string' || !/^[0-9a-f]{40}$/.test(c.oid)) throw new FvError('CORRUPT', `${where}: table manifest has a bad chunk id`);
  }
  return o as TableManifest;
}
