/**
 * `fv import <file> --table t`: sets the working state of a table from a
 * file. Modes: replace (the file is the table), append (add rows; keys must
 * be new), upsert (rows replace those with the same key, others are added).
 * Nothing is committed; chunks are written to the object store and the
 * working state points at the new manifest.
 */
import { caseCollision } from '../storage/safe-paths.js';
import { FvError } from '../errors/FvError.js';
import { formatFromName } from '../table/formats/format.js';
import type { InputFormat } from '../table/formats/format.js';
import { openInput, readColumns } from '../table/formats/read-columns.js';
import type { ReadResult } from '../table/formats/read-columns.js';
import { ColumnStore } from '../table/column-store.js';
import type { ChunkingParams, TableManifest, TableSchema } from '../table/manifest.js';
import { encodeManifest, manifestSchema } from '../table/manifest.js';
import { keyIndexes, sortOrderByKey } from '../table/sort.js';
import { readChunks } from '../table/table-reader.js';
import { formatValue } from '../table/values.js';
import { PatchBuilder } from '../table/patch/patch-builder.js';
import { writeTableVersion } from '../table/patch/patch-writer.js';
import type { Field, FvType, Value } from '../table/types.js';
import { sameType, typeToString } from '../table/types.js';
import { checkTableName } from '../versioning/layout.js';
import { saveWorking } from '../versioning/working.js';
import type { RepoContext } from './context.js';
import { importStreamed } from './import-stream.js';

export type ImportMode = 'replace' | 'append' | 'upsert';

export interface ImportOptions {
  table: string;
  key?: string[];
  time?: string;
  format?: string;
  mode?: ImportMode;
  types?: Map<string, FvType>;
  schema?: Field[];
}

export interface ImportResult {
  table: string;
  rows: number;
  columns: { name: string; type: string }[];
  key: string[];
  time: string | null;
  chunks: number;
  contentHash: string;
  /** Rows in the table before the import (0 when new). */
  previousRows: number;
}

function sameFields(a: Field[], b: Field[]): boolean {
  return a.length === b.length && a.every((f, i) => f.name === b[i]!.name && sameType(f.type, b[i]!.type));
}

export async function importTable(ctx: RepoContext, file: string, opts: ImportOptions): Promise<ImportResult> {
  const table = checkTableName(opts.table);
  const mode = opts.mode ?? 'replace';
  const format: InputFormat = formatFromName(file, opts.format, file === '-' ? 'csv' : null);
  return ctx.withLock('import', async () => {
    const ws = await ctx.working();
    const existingOid = ws.tables.get(table);
    const sameButCase = existingOid === undefined ? caseCollision(ws.tables.keys(), table) : null;
    if (sameButCase !== null) {
      // Table paths must stay distinct wherever the repository is checked out (macOS, Windows).
      throw new FvError('BAD_NAME', `table ${table} differs only in case from existing table ${sameButCase}`, { hint: 'names that differ only in case collide on case-insensitive file systems; choose another name' });
    }
    const existing: TableManifest | null = existingOid ? await ctx.manifest(existingOid, table) : null;
    const oldSchema = existing ? manifestSchema(existing) : null;
    const name = file === '-' ? '<stdin>' : file;
    const key = opts.key ?? oldSchema?.key ?? [];
    const time = opts.time ?? (opts.key === undefined ? oldSchema?.time ?? null : null);
    // A replace streams from the file (written whole, or as a patch over the table's
    // chunks when few rows changed); an append or upsert combines the file with the table in memory.
    const m: ImportPlan = { existing, oldSchema, mode, key, time, name, table };
    const manifest = m.mode === 'replace' ? await importReplace(ctx, file, format, opts, m) : await importInMemory(ctx, file, format, opts, { ...m, mode: m.mode });
    const manifestOid = await ctx.git.writeBlob(encodeManifest(manifest));
    ws.tables.set(table, manifestOid);
    await saveWorking(ctx.git, ws);
    return {
      table,
      rows: manifest.rows,
      columns: manifest.fields,
      key,
      time,
      chunks: manifest.chunks.length,
      contentHash: manifest.content_hash,
      previousRows: existing?.rows ?? 0,
    };
  });
}

/** What an import writes over: the table's current version, if any, and the new version's key and time column. */
interface ImportPlan {
  existing: TableManifest | null;
  oldSchema: TableSchema | null;
  mode: ImportMode;
  key: string[];
  time: string | null;
  name: string;
  table: string;
}

/** The table's chunking, kept while its schema and key are unchanged, so unchanged rows keep their chunks. */
function keptChunking(m: ImportPlan, fields: Field[]): ChunkingParams | undefined {
  const { existing, oldSchema, key } = m;
  return existing && oldSchema && sameFields(oldSchema.fields, fields) && oldSchema.key.join('\0') === key.join('\0') ? existing.chunking : undefined;
}

/**
 * Reads the file in batches and writes it as the table's new version
 * (import-stream.ts): as a patch over the current version's chunks when the
 * schema and key are kept and few rows changed, else whole.
 */
async function importReplace(ctx: RepoContext, file: string, format: InputFormat, opts: ImportOptions, m: ImportPlan): Promise<TableManifest> {
  const input = await openInput({ format, file, types: opts.types, schema: opts.schema });
  try {
    const table = await importStreamed(input, ctx.git, {
      key: m.key,
      time: m.time,
      validate: (schema) => validateSchema(schema, m.name),
      chunking: (fields) => keptChunking(m, fields),
      patch: (schema) => PatchBuilder.over(schema.fields, schema, ctx.git, m.existing, keptChunking(m, schema.fields)),
    });
    return table.manifest;
  } finally {
    input.close();
  }
}

/**
 * Reads the whole file into memory, combines it with the table's rows
 * (append, upsert) and writes the new version, as a patch when few rows changed.
 * (A replace is streamed: importReplace.)
 */
async function importInMemory(ctx: RepoContext, file: string, format: InputFormat, opts: ImportOptions, m: ImportPlan & { mode: 'append' | 'upsert' }): Promise<TableManifest> {
  const { existing, oldSchema, mode, key, time, name, table } = m;
  // Appends and upserts read the file under the table's schema, so a file
  // that happens to infer differently (an all-empty column) still fits.
  const schemaForRead = opts.schema ?? (oldSchema && !opts.types ? oldSchema.fields : undefined);
  const input = await readColumns({ format, file, types: opts.types, schema: schemaForRead });
  const schema: TableSchema = { fields: input.store.fields, key, time };
  validateSchema(schema, name);
  let store = input.store;
  let rowLabel = input.rowLabel;
  if (mode === 'upsert' && key.length === 0) throw new FvError('BAD_USAGE', '--mode upsert needs a keyed table (--key)');
  if (existing && oldSchema) {
    if (!sameFields(oldSchema.fields, store.fields)) {
      throw new FvError('SCHEMA_MISMATCH', `${name}: columns do not match table ${table} (${oldSchema.fields.map((f) => `${f.name}:${typeToString(f.type)}`).join(', ')})`, { hint: 'use --mode replace to change the schema' });
    }
    if (key.join('\0') !== oldSchema.key.join('\0')) throw new FvError('SCHEMA_MISMATCH', `table ${table} is keyed on (${oldSchema.key.join(', ')}); --mode ${mode} cannot change the key`);
    const combined = await mergeWithExisting(ctx, existing, input, mode, key, name);
    store = combined.store;
    rowLabel = combined.rowLabel;
  }
  const order = key.length > 0 ? sortOrderByKey(store, keyIndexes(store.fields, key, name), rowLabel) : null;
  // Few changed rows become a patch over the previous version's chunks (docs/FORMAT.md section 9).
  return writeTableVersion(store, order, schema, ctx.git, existing, keptChunking(m, store.fields));
}

function validateSchema(s: TableSchema, name: string): void {
  const names = s.fields.map((f) => f.name);
  for (const k of s.key) if (!names.includes(k)) throw new FvError('UNKNOWN_COLUMN', `${name}: key column "${k}" does not exist`, { hint: `columns: ${names.join(', ')}` });
  if (new Set(s.key).size !== s.key.length) throw new FvError('BAD_USAGE', `--key lists a column twice`);
  if (s.time !== null) {
    const f = s.fields.find((x) => x.name === s.time);
    if (!f) throw new FvError('UNKNOWN_COLUMN', `${name}: time column "${s.time}" does not exist`, { hint: `columns: ${names.join(', ')}` });
    if (!['timestamp', 'date32', 'int64', 'int32'].includes(f.type.kind)) throw new FvError('TYPE_ERROR', `${name}: time column "${s.time}" is ${typeToString(f.type)}; it must be a timestamp, a date or an integer`);
  }
  if (names.length === 0) throw new FvError('BAD_INPUT', `${name}: no columns`);
}

/**
 * The existing table plus the file's rows: all of them (append), or with
 * the file's rows replacing existing rows of the same key (upsert).
 */
async function mergeWithExisting(ctx: RepoContext, existing: TableManifest, input: ReadResult, mode: 'append' | 'upsert', key: string[], name: string): Promise<ReadResult> {
  const incoming = input.store;
  const keyIdx = keyIndexes(incoming.fields, key, name);
  let replaced: Set<string> | null = null;
  if (mode === 'upsert') {
    // Sorting the file's rows also rejects duplicate keys within the file.
    sortOrderByKey(incoming, keyIdx, input.rowLabel);
    replaced = new Set();
    for (let r = 0; r < incoming.rowCount; r++) replaced.add(keyString((c) => incoming.get(c, r), incoming.fields, keyIdx));
  }
  const store = new ColumnStore(incoming.fields);
  for await (const chunk of readChunks(ctx.git, existing)) {
    if (replaced === null) {
      store.appendTableData(chunk);
      continue;
    }
    for (let r = 0; r < chunk.rowCount; r++) {
      if (!replaced.has(keyString((c) => chunk.columns[c]![r]!, chunk.fields, keyIdx))) store.pushRow(chunk.columns.map((c) => c[r]!));
    }
  }
  const existingRows = store.rowCount;
  store.appendStore(incoming);
  return { store, rowLabel: (r) => (r < existingRows ? `the table's existing row ${r + 1}` : input.rowLabel(r - existingRows)) };
}

function keyString(value: (column: number) => Value, fields: Field[], keyIdx: number[]): string {
  return keyIdx.map((c) => formatValue(value(c), fields[c]!.type)).join('\u0000');
}
