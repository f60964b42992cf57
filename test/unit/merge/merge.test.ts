/** The pure merge functions: tables (over an in-memory blob store), schemas, definitions, the state file's JSON. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../../src/table/blob-store.js';
import { canonicalJson } from '../../../src/table/canonical-json.js';
import { ColumnStore } from '../../../src/table/column-store.js';
import type { TableManifest } from '../../../src/table/manifest.js';
import { readWholeTable } from '../../../src/table/table-reader.js';
import { writeTable } from '../../../src/table/table-writer.js';
import type { Field, Value } from '../../../src/table/types.js';
import { parseType } from '../../../src/table/types.js';
import type { Chooser } from '../../../src/versioning/merge/conflict.js';
import { mergeJson } from '../../../src/versioning/merge/definitions-merge.js';
import { parseJsonLossless } from '../../../src/versioning/merge/lossless-json.js';
import { mergeSchemas } from '../../../src/versioning/merge/schema-merge.js';
import { mergeTable } from '../../../src/versioning/merge/table-merge.js';

class MemStore implements BlobStore {
  blobs = new Map<string, Uint8Array>();
  async writeBlob(bytes: Uint8Array): Promise<string> {
    const oid = createHash('sha1').update(bytes).digest('hex');
    this.blobs.set(oid, bytes);
    return oid;
  }
  async readBlob(oid: string): Promise<Uint8Array> {
    return this.blobs.get(oid)!;
  }
}

const fields = (spec: string): Field[] => spec.split(',').map((s) => {
  const [name, type] = s.split(':');
  return { name: name!, type: parseType(type!) };
});

async function table(store: BlobStore, spec: string, rows: Value[][], key: string[]): Promise<TableManifest> {
  const s = new ColumnStore(fields(spec));
  for (const r of rows) s.pushRow(r);
  return writeTable(s, null, { fields: s.fields, key, time: null }, store);
}

async function rowsOf(store: BlobStore, m: TableManifest): Promise<Value[][]> {
  const t = await readWholeTable(store, m);
  return Array.from({ length: t.rowCount }, (_, r) => t.columns.map((c) => c[r]!));
}

const open: Chooser = () => null;

describe('mergeTable', () => {
  it('merges a compound-keyed table cell by cell and reports both-inserted differences per cell', async () => {
    const st = new MemStore();
    const spec = 'd:utf8,r:utf8,n:int64,s:utf8';
    const base = await table(st, spec, [['d1', 'eu', 1n, 'a'], ['d1', 'us', 2n, 'b']], ['d', 'r']);
    const ours = await table(st, spec, [['d1', 'eu', 10n, 'a'], ['d1', 'us', 2n, 'b'], ['d2', 'eu', 5n, 'x']], ['d', 'r']);
    const theirs = await table(st, spec, [['d1', 'eu', 1n, 'A'], ['d1', 'us', 3n, 'b'], ['d2', 'eu', 5n, 'y']], ['d', 'r']);
    const r = await mergeTable(st, 't', base, ours, theirs, open);
    expect(r.conflicts.map((c) => [c.kind, c.keyText, c.column, c.base, c.ours, c.theirs])).toEqual([['cell', ['d2', 'eu'], 's', null, 'x', 'y']]);
    const m = await writeTable(r.rows!.store, r.rows!.order, r.rows!.schema, st, r.rows!.chunking);
    expect(await rowsOf(st, m)).toEqual([['d1', 'eu', 10n, 'A'], ['d1', 'us', 3n, 'b'], ['d2', 'eu', 5n, 'x']]);
    const t = await mergeTable(st, 't', base, ours, theirs, () => 'theirs');
    expect(t.conflicts[0]!.resolved).toBe('theirs');
    const mt = await writeTable(t.rows!.store, t.rows!.order, t.rows!.schema, st, t.rows!.chunking);
    expect((await rowsOf(st, mt))[2]).toEqual(['d2', 'eu', 5n, 'y']);
  });

  it('takes a side whole when the other is unchanged, without reading rows', async () => {
    const st = new MemStore();
    const base = await table(st, 'id:int64,v:utf8', [[1n, 'a']], ['id']);
    const theirs = await table(st, 'id:int64,v:utf8', [[1n, 'b']], ['id']);
    const empty = new MemStore();
    expect(await mergeTable(empty, 't', base, base, theirs, open)).toEqual({ take: 'theirs', conflicts: [] });
    expect(await mergeTable(empty, 't', base, theirs, base, open)).toEqual({ take: 'ours', conflicts: [] });
    expect(await mergeTable(empty, 't', base, null, base, open)).toEqual({ take: 'ours', conflicts: [] });
    expect(await mergeTable(empty, 't', null, null, theirs, open)).toEqual({ take: 'theirs', conflicts: [] });
  });

  it('merges unkeyed tables as multisets', async () => {
    const st = new MemStore();
    const spec = 'a:utf8';
    const base = await table(st, spec, [['x'], ['x'], ['y']], []);
    const ours = await table(st, spec, [['y'], ['x'], ['w']], []);
    const theirs = await table(st, spec, [['x'], ['x'], ['y'], ['y'], ['z']], []);
    const r = await mergeTable(st, 't', base, ours, theirs, open);
    const m = await writeTable(r.rows!.store, r.rows!.order, r.rows!.schema, st, r.rows!.chunking);
    expect(await rowsOf(st, m)).toEqual([['y'], ['x'], ['w'], ['y'], ['z']]);
  });
});

describe('mergeSchemas', () => {
  const s = (spec: string, key = ['id']) => ({ fields: fields(spec), key, time: null });
  it('takes one-sided additions, removals and retypes, and reports clashes', () => {
    const m = mergeSchemas(s('id:int64,a:utf8,b:int64'), s('id:int64,a:utf8,b:float64,c:utf8'), s('id:int64,b:int64,d:bool'));
    expect(m.schema.fields.map((f) => f.name)).toEqual(['id', 'b', 'c', 'd']);
    expect(m.retypedBy.get('b')).toBe('ours');
    expect(m.conflicts).toEqual([]);
    expect(mergeSchemas(s('id:int64'), s('id:int64,c:utf8'), s('id:int64,c:int64')).conflicts).toEqual([{ column: 'c', base: null, ours: 'utf8', theirs: 'int64' }]);
    expect(mergeSchemas(s('id:int64,k:int64'), s('id:int64,k:int64', ['id', 'k']), s('id:int64,k:int64')).conflicts).toHaveLength(1);
  });
});

describe('mergeJson (definitions)', () => {
  it('merges key by key and reports a key changed differently', () => {
    const conflicts: Parameters<typeof mergeJson>[4] = [];
    const merged = mergeJson(
      { a: { x: 1, y: 2 }, b: [1], gone: true },
      { a: { x: 1, y: 3 }, b: [1], gone: true, o: 1 },
      { a: { x: 5, y: 4 }, b: [1, 2], t: 2 },
      open, conflicts,
    );
    expect(merged).toEqual({ a: { x: 5, y: 3 }, b: [1, 2], o: 1, t: 2 });
    expect(conflicts.map((c) => [c.key, c.base, c.ours, c.theirs])).toEqual([[['a', 'y'], 2, 3, 4]]);
  });
});

describe('parseJsonLossless', () => {
  it('reads back what canonicalJson wrote, numbers exactly', () => {
    const text = '{\n  "a": [9007199254740993, -1.50, 1e400, "x\\"y", null, true, {}],\n  "b": {"c": []}\n}\n';
    expect(canonicalJson(parseJsonLossless(text))).toBe('{\n  "a": [\n    9007199254740993,\n    -1.50,\n    1e400,\n    "x\\"y",\n    null,\n    true,\n    {}\n  ],\n  "b": {\n    "c": []\n  }\n}\n');
    expect(() => parseJsonLossless('{"a": 1,}')).toThrow();
  });
});
