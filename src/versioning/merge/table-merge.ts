/**
 * Three-way merge of one table: base, ours and theirs manifests in, the
 * merged rows (or "take this side's table whole") and the conflicts out.
 * Nothing is written: the caller writes the merged rows with the table
 * writer once the whole merge has been computed.
 *
 * Keyed tables merge by primary key, cell by cell, over the two row diffs
 * base->ours and base->theirs (which skip chunks shared with the base, so
 * the work follows the change). The merged table is ours with theirs'
 * changes applied; a conflicting cell or row keeps ours unless the chooser
 * picks theirs. Unkeyed tables merge as multisets: count(row) = ours +
 * theirs - base.
 */
import type { BlobStore } from '../../table/blob-store.js';
import type { Json } from '../../table/canonical-json.js';
import { ColumnStore } from '../../table/column-store.js';
import type { ChunkingParams, TableManifest, TableSchema } from '../../table/manifest.js';
import { manifestSchema } from '../../table/manifest.js';
import { hashRows } from '../../table/row-hash.js';
import { sortOrderByKey } from '../../table/sort.js';
import { readChunks } from '../../table/table-reader.js';
import type { TableData } from '../../table/table-data.js';
import type { Field, FvType, Value } from '../../table/types.js';
import { typeToString as formatType } from '../../table/types.js';
import { formatValue, valuesEqual, valueToJson } from '../../table/values.js';
import type { RowChange } from '../diff/table-diff.js';
import { diffTable } from '../diff/table-diff.js';
import type { Chooser, MergeConflict } from './conflict.js';
import { makeConflict } from './conflict.js';
import { mergeSchemas, sameFields } from './schema-merge.js';

export interface TableMergeResult {
  /** Take one side's table unchanged (its manifest; absent when that side has no such table). */
  take?: 'ours' | 'theirs';
  /** Or: the merged rows, to be written with these parameters. */
  rows?: { store: ColumnStore; order: Uint32Array | null; schema: TableSchema; chunking?: ChunkingParams };
  conflicts: MergeConflict[];
}

const ABSENT = Symbol('absent');
type Cell = Value | typeof ABSENT;
type Row = Record<string, Value>;

/** Equal values of the same representation (a retyped column's values differ from the base's). */
function cellEq(a: Cell, b: Cell): boolean {
  if (a === ABSENT || b === ABSENT || a === null || b === null) return a === b;
  return typeof a === typeof b && (a instanceof Uint8Array) === (b instanceof Uint8Array) && valuesEqual(a, b);
}

const cellOf = (row: Row | null | undefined, c: string): Cell => (row && c in row ? row[c]! : ABSENT);

function sameTable(a: TableManifest | null, b: TableManifest | null): boolean {
  return a === null ? b === null : b !== null && a.content_hash === b.content_hash;
}

function fieldsType(m: TableManifest | null, column: string): string | null {
  return m?.fields.find((f) => f.name === column)?.type ?? null;
}

function fieldsText(m: TableManifest): string {
  return m.fields.map((f) => `${f.name}:${f.type}`).join(',');
}

export async function mergeTable(store: BlobStore, name: string, base: TableManifest | null, ours: TableManifest | null, theirs: TableManifest | null, choose: Chooser): Promise<TableMergeResult> {
  if (sameTable(ours, theirs)) return { take: 'ours', conflicts: [] };
  if (sameTable(base, ours)) return { take: 'theirs', conflicts: [] };
  if (sameTable(base, theirs)) return { take: 'ours', conflicts: [] };
  const rowsOf = (m: TableManifest | null): Json => (m === null ? null : { rows: m.rows, content_hash: m.content_hash });
  if (ours === null || theirs === null) {
    // Deleted on one side, changed on the other.
    const c = makeConflict({ table: name, kind: 'table', key: [], keyText: [], column: null, base: rowsOf(base), ours: rowsOf(ours), theirs: rowsOf(theirs) }, choose);
    return { take: c.resolved ?? 'ours', conflicts: [c] };
  }
  const sb = base ? manifestSchema(base) : null;
  const so = manifestSchema(ours);
  const st = manifestSchema(theirs);
  const sm = mergeSchemas(sb, so, st);
  // A retyped key column changes every key: no row can be matched across the sides.
  for (const k of so.key) {
    if (sm.retypedBy.has(k)) sm.conflicts.push({ column: k, base: fieldsType(base, k), ours: fieldsType(ours, k), theirs: fieldsType(theirs, k) });
  }
  if (sm.conflicts.length > 0) return schemaConflict(name, sm.conflicts, choose);
  if (so.key.length === 0) {
    if (!sameFields(so.fields, st.fields) || (base && sb && (!sameFields(sb.fields, so.fields) || sb.key.length > 0))) {
      return schemaConflict(name, [{ column: null, base: base ? fieldsText(base) : null, ours: fieldsText(ours), theirs: fieldsText(theirs) }], choose);
    }
    return mergeUnkeyed(store, base, ours, theirs);
  }
  // A base keyed differently has no rows in common with the sides.
  const usableBase = base && sb && sb.key.join('\0') === so.key.join('\0') ? base : null;
  return mergeKeyed(store, name, usableBase, ours, theirs, sm, choose);
}

function schemaConflict(name: string, list: ReturnType<typeof mergeSchemas>['conflicts'], choose: Chooser): TableMergeResult {
  const conflicts = list.map((s) => makeConflict({ table: name, kind: 'schema', key: [], keyText: [], column: s.column, base: s.base, ours: s.ours, theirs: s.theirs }, choose));
  // The table is taken whole from one side: the first decision decides it.
  const side = conflicts.every((c) => c.resolved !== null) ? conflicts[0]!.resolved! : 'ours';
  return { take: side, conflicts };
}

function rowJson(row: Row | null | undefined, fields: Field[]): Json {
  if (!row) return null;
  const o: Record<string, Json> = {};
  for (const f of fields) if (f.name in row) o[f.name] = valueToJson(row[f.name]!, f.type);
  return o;
}

async function mergeKeyed(store: BlobStore, name: string, base: TableManifest | null, ours: TableManifest, theirs: TableManifest, sm: ReturnType<typeof mergeSchemas>, choose: Chooser): Promise<TableMergeResult> {
  const schema = sm.schema;
  const fields = schema.fields;
  const fb = base ? manifestSchema(base).fields : [];
  const fo = manifestSchema(ours).fields;
  const ft = manifestSchema(theirs).fields;
  const keyTypes: FvType[] = schema.key.map((k) => fields.find((f) => f.name === k)!.type);
  const keyText = (key: Value[]): string[] => key.map((v, i) => formatValue(v, keyTypes[i]!));
  const keyJson = (key: Value[]): Json[] => key.map((v, i) => valueToJson(v, keyTypes[i]!));
  const index = async (side: TableManifest): Promise<Map<string, RowChange>> => {
    const d = await diffTable(store, base, side, { limit: Number.POSITIVE_INFINITY });
    return new Map(d.rows.map((r) => [keyText(r.key).join('\u0000'), r]));
  };
  const dOurs = await index(ours);
  const dTheirs = await index(theirs);
  const typeIn = (fs: Field[], c: string): FvType | null => fs.find((f) => f.name === c)?.type ?? null;
  const json = (v: Cell, fs: Field[], c: string): Json => (v === ABSENT || v === null ? null : valueToJson(v, typeIn(fs, c)!));

  /** Merged rows for keys either side changed: values in `fields` order, or null for "deleted". */
  const overrides = new Map<string, Value[] | null>();
  const inserts: Value[][] = [];
  const conflicts: MergeConflict[] = [];
  const retypeClash = new Set<string>();
  const project = (row: Row): Value[] => fields.map((f) => (f.name in row ? row[f.name]! : null));
  // A column one side retyped may not be touched by the other side's changes.
  const touches = (side: 'ours' | 'theirs', before: Row | null, after: Row | null): void => {
    for (const [c, by] of sm.retypedBy) {
      if (by === side) continue;
      if (after && !cellEq(cellOf(before, c), cellOf(after, c)) && !(before === null && cellOf(after, c) === null)) retypeClash.add(c);
    }
  };
  for (const co of dOurs.values()) touches('ours', co.before, co.after);

  for (const [k, ct] of dTheirs) {
    touches('theirs', ct.before, ct.after);
    const co = dOurs.get(k);
    const key = ct.key;
    if (!co) {
      if (ct.op === 'removed') overrides.set(k, null);
      else if (ct.op === 'added') inserts.push(project(ct.after!));
      else {
        // Ours left the row as in base: take theirs' changed cells over the base row.
        overrides.set(k, fields.map((f) => {
          const b = cellOf(ct.before, f.name), t = cellOf(ct.after, f.name);
          const v = cellEq(b, t) ? b : t;
          return v === ABSENT ? null : v;
        }));
      }
      continue;
    }
    if (co.op === 'removed' && ct.op === 'removed') continue;
    if (co.op === 'removed' || ct.op === 'removed') {
      const c = makeConflict({ table: name, kind: 'row', key: keyJson(key), keyText: keyText(key), column: null, base: rowJson(ct.before, fb), ours: rowJson(co.after, fo), theirs: rowJson(ct.after, ft) }, choose);
      conflicts.push(c);
      if (c.resolved === 'theirs') {
        // Ours deleted the row: theirs' version is inserted; ours modified it: it is replaced or deleted.
        if (co.op === 'removed') inserts.push(project(ct.after!));
        else overrides.set(k, ct.after ? project(ct.after) : null);
      }
      continue;
    }
    // Both sides added or modified the row: merge cell by cell.
    let changed = false;
    const merged = fields.map((f) => {
      const b = cellOf(ct.before, f.name), o = cellOf(co.after, f.name), t = cellOf(ct.after, f.name);
      let v: Cell;
      if (cellEq(o, t)) v = o;
      else if (cellEq(b, o)) v = t;
      else if (cellEq(b, t)) v = o;
      else {
        const c = makeConflict({ table: name, kind: 'cell', key: keyJson(key), keyText: keyText(key), column: f.name, base: json(b, fb, f.name), ours: json(o, fo, f.name), theirs: json(t, ft, f.name) }, choose);
        conflicts.push(c);
        v = c.resolved === 'theirs' ? t : o;
      }
      if (!cellEq(v, o)) changed = true;
      return v === ABSENT ? null : v;
    });
    if (changed) overrides.set(k, merged);
  }
  if (retypeClash.size > 0) {
    return schemaConflict(name, [...retypeClash].sort().map((c) => ({ column: c, base: fmt(typeIn(fb, c)), ours: fmt(typeIn(fo, c)), theirs: fmt(typeIn(ft, c)) })), choose);
  }
  if (overrides.size === 0 && inserts.length === 0 && sameFields(fields, fo) && schema.time === ours.time) return { take: 'ours', conflicts };
  const out = new ColumnStore(fields);
  const oursIdx = fields.map((f) => fo.findIndex((x) => x.name === f.name));
  const keyIdxOurs = schema.key.map((c) => fo.findIndex((f) => f.name === c));
  for await (const chunk of readChunks(store, ours)) {
    for (let r = 0; r < chunk.rowCount; r++) {
      const k = keyIdxOurs.map((c, i) => formatValue(chunk.columns[c]![r]!, keyTypes[i]!)).join('\u0000');
      const o = overrides.get(k);
      if (o === null) continue;
      out.pushRow(o ?? oursIdx.map((c) => (c < 0 ? null : chunk.columns[c]![r]!)));
    }
  }
  for (const row of inserts) out.pushRow(row);
  const keyIdx = schema.key.map((c) => fields.findIndex((f) => f.name === c));
  const order = sortOrderByKey(out, keyIdx, (r) => `merged row ${r + 1}`);
  return { rows: { store: out, order, schema, chunking: sameFields(fields, fo) ? ours.chunking : undefined }, conflicts };
}

function fmt(t: FvType | null): string | null {
  return t === null ? null : formatType(t);
}

/** Multiset merge: each distinct row appears ours + theirs - base times (never fewer than 0). */
async function mergeUnkeyed(store: BlobStore, base: TableManifest | null, ours: TableManifest, theirs: TableManifest): Promise<TableMergeResult> {
  const types = manifestSchema(ours).fields.map((f) => f.type);
  const hashesOf = (t: TableData): string[] => {
    const { rowHashes } = hashRows(t.columns, types, t.rowCount, null);
    const out: string[] = [];
    for (let r = 0; r < t.rowCount; r++) out.push(Array.from(rowHashes.subarray(r * 4, r * 4 + 4)).join('.'));
    return out;
  };
  // delta[h] = theirs - base: rows theirs added (> 0) or removed (< 0).
  const delta = new Map<string, number>();
  const count = async (m: TableManifest | null, sign: number): Promise<void> => {
    if (!m) return;
    for await (const chunk of readChunks(store, m)) for (const h of hashesOf(chunk)) delta.set(h, (delta.get(h) ?? 0) + sign);
  };
  await count(theirs, 1);
  await count(base, -1);
  const out = new ColumnStore(manifestSchema(ours).fields);
  for await (const chunk of readChunks(store, ours)) {
    hashesOf(chunk).forEach((h, r) => {
      const d = delta.get(h) ?? 0;
      if (d < 0) delta.set(h, d + 1);
      else out.pushRow(chunk.columns.map((c) => c[r]!));
    });
  }
  for await (const chunk of readChunks(store, theirs)) {
    hashesOf(chunk).forEach((h, r) => {
      const d = delta.get(h) ?? 0;
      if (d > 0) {
        delta.set(h, d - 1);
        out.pushRow(chunk.columns.map((c) => c[r]!));
      }
    });
  }
  return { rows: { store: out, order: null, schema: manifestSchema(ours), chunking: ours.chunking }, conflicts: [] };
}
