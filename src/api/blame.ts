/**
 * `fv blame <table> --key k1,k2`: for each column of one row, the commit
 * that last changed it; when the row was inserted; or, for a row that no
 * longer exists, the commit that deleted it (and the blame of its last
 * version). History is followed along first parents, like
 * `git blame --first-parent`: a change that arrived through a merge is
 * attributed to the merge commit.
 *
 * Only the chunk whose key range holds the key is read at each commit, and
 * commits in which the table's manifest did not change are skipped without
 * reading anything.
 */
import { FvError } from '../errors/FvError.js';
import type { ChunkRef, TableManifest } from '../table/manifest.js';
import { fieldTypes, manifestSchema } from '../table/manifest.js';
import type { TableData } from '../table/table-data.js';
import { keyIndexesOf, readChunk, readChunkAs } from '../table/table-reader.js';
import type { FvType, Value } from '../table/types.js';
import { compareValues, parseValueAs } from '../table/values.js';
import { checkTableName } from '../versioning/layout.js';
import type { RepoContext } from './context.js';
import { isoTime } from './log.js';

export interface BlameCommit {
  commit: string;
  time: string;
  author: string;
  message: string;
}

export interface BlameResult {
  table: string;
  key: Value[];
  keyColumns: string[];
  /** The row as of its last version (HEAD, or just before it was deleted). */
  row: Record<string, Value>;
  /** Column types of that version. */
  types: Record<string, FvType>;
  columns: Record<string, BlameCommit>;
  inserted: BlameCommit;
  deleted: BlameCommit | null;
}

type Row = Record<string, Value> | null;

/** The row with this key in a table version, reading at most the chunks whose key range may hold it. */
async function findRow(ctx: RepoContext, m: TableManifest, key: Value[]): Promise<Row> {
  const fields = manifestSchema(m).fields;
  const keyIdx = keyIndexesOf(m);
  const cmpKey = (text: string[]): number => {
    for (let i = 0; i < key.length; i++) {
      const c = compareValues(key[i]!, parseValueAs(text[i]!, fields[keyIdx[i]!]!.type));
      if (c !== 0) return c;
    }
    return 0;
  };
  const mayHold = (c: ChunkRef): boolean => c.key_min !== undefined && c.key_max !== undefined && cmpKey(c.key_min) >= 0 && cmpKey(c.key_max) <= 0;
  /** Row index of the key in chunk data whose key columns are at `idx`, or -1. */
  const find = (data: TableData, idx: number[]): number => {
    for (let r = 0; r < data.rowCount; r++) if (idx.every((ci, i) => compareValues(data.columns[ci]![r]!, key[i]!) === 0)) return r;
    return -1;
  };
  const rowOf = (data: TableData, r: number): Row => {
    const row: Record<string, Value> = {};
    data.fields.forEach((f, i) => (row[f.name] = data.columns[i]![r]!));
    return row;
  };
  // A patch (docs/FORMAT.md section 9) overrides the base chunks: look there first.
  if (m.patch) {
    const keyFields = keyIdx.map((i) => fields[i]!);
    for (const c of m.patch.deletes.filter(mayHold)) if (find(await readChunkAs(ctx.git, keyFields, c), keyIdx.map((_, i) => i)) >= 0) return null;
    for (const c of [...m.patch.updates, ...m.patch.inserts].filter(mayHold)) {
      const data = await readChunkAs(ctx.git, fields, c);
      const r = find(data, keyIdx);
      if (r >= 0) return rowOf(data, r);
    }
  }
  for (const c of m.chunks.filter(mayHold)) {
    const data = await readChunk(ctx.git, m, c);
    const r = find(data, keyIdx);
    if (r >= 0) return rowOf(data, r);
  }
  return null;
}

export async function blame(ctx: RepoContext, table: string, keyText: string[]): Promise<BlameResult> {
  checkTableName(table);
  const head = await ctx.head();
  if (head === null) throw new FvError('UNKNOWN_REF', 'no commits yet');
  const info = async (oid: string): Promise<BlameCommit> => {
    const c = await ctx.git.readCommit(oid);
    return { commit: oid, time: isoTime(c.author.timestamp, c.author.timezoneOffset), author: c.author.name, message: c.message.replace(/\n$/, '') };
  };
  // Walk first parents once, remembering the table's manifest at each commit.
  const chain: { commit: string; manifest: string | undefined }[] = [];
  for (let c: string | undefined = head; c !== undefined; ) {
    chain.push({ commit: c, manifest: (await ctx.snapshot(c)).tables.get(table) });
    c = (await ctx.git.readCommit(c)).parents[0];
  }
  const newest = chain.find((x) => x.manifest !== undefined);
  if (!newest) throw new FvError('UNKNOWN_TABLE', `table "${table}" is not in the history of HEAD`);
  const m0 = await ctx.manifest(newest.manifest!, table);
  if (m0.key.length === 0) throw new FvError('BAD_USAGE', `table ${table} has no primary key; blame needs one`);
  if (keyText.length !== m0.key.length) throw new FvError('BAD_USAGE', `table ${table} is keyed on (${m0.key.join(', ')}): give ${m0.key.length} key value(s)`);
  const types = fieldTypes(m0);
  const key = m0.key.map((k, i) => {
    try {
      return parseValueAs(keyText[i]!, types[m0.fields.findIndex((f) => f.name === k)]!);
    } catch (e) {
      if (e instanceof FvError) throw new FvError('BAD_USAGE', `key column "${k}": ${e.message}`);
      throw e;
    }
  });
  // The row at each commit, newest first; the same manifest means the same row.
  const rows: Row[] = [];
  let lastManifest: string | undefined;
  let lastRow: Row = null;
  for (const { manifest } of chain) {
    if (manifest !== lastManifest) {
      lastRow = manifest === undefined ? null : await findRow(ctx, await ctx.manifest(manifest, table), key);
      lastManifest = manifest;
    }
    rows.push(lastRow);
  }
  let start = 0;
  let deleted: BlameCommit | null = null;
  if (rows[0] === null) {
    start = rows.findIndex((r) => r !== null);
    if (start < 0) throw new FvError('UNKNOWN_ROW', `no row with key (${keyText.join(', ')}) in the history of table ${table}`);
    deleted = await info(chain[start - 1]!.commit);
  }
  const row = rows[start]!;
  const columns: Record<string, BlameCommit> = {};
  const pending = new Set(Object.keys(row));
  let i = start;
  for (; i < rows.length; i++) {
    const cur = rows[i]!;
    const prev = rows[i + 1] ?? null;
    for (const col of [...pending]) {
      if (prev === null || !(col in prev) || typeof prev[col] !== typeof cur[col] || compareValues(prev[col]!, cur[col]!) !== 0) {
        columns[col] = await info(chain[i]!.commit);
        pending.delete(col);
      }
    }
    if (prev === null) break;
  }
  const rowTypes: Record<string, FvType> = {};
  m0.fields.forEach((f, i) => (rowTypes[f.name] = types[i]!));
  return { table, key, keyColumns: m0.key, row, types: rowTypes, columns, inserted: await info(chain[i]!.commit), deleted };
}
