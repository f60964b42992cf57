import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { decodeArrowIpc, encodeArrowIpc, tableDataFromArrow } from '../../../src/table/arrow/arrow-codec.js';
import type { TableData } from '../../../src/table/table-data.js';
import { parseType, type Field, type Value } from '../../../src/table/types.js';

import { allTypes, I64_MAX, I64_MIN, table, U64_MAX } from './all-types.js';

function expectSameTable(actual: TableData, expected: TableData): void {
  expect(actual.fields).toEqual(expected.fields);
  expect(actual.rowCount).toBe(expected.rowCount);
  expect(actual.columns.length).toBe(expected.columns.length);
  for (let c = 0; c < expected.columns.length; c++) {
    const a = actual.columns[c]!;
    const e = expected.columns[c]!;
    expect(a.length, `column ${expected.fields[c]!.name}`).toBe(e.length);
    for (let r = 0; r < e.length; r++) {
      const av = a[r];
      const ev = e[r];
      const where = `column ${expected.fields[c]!.name} row ${r}`;
      if (typeof ev === 'number') {
        // Object.is distinguishes -0 from 0 and equates NaN with NaN.
        expect(typeof av, where).toBe('number');
        expect(Object.is(av, ev), `${where}: ${String(av)} vs ${String(ev)}`).toBe(true);
      } else {
        expect(av, where).toEqual(ev);
        expect(typeof av, where).toBe(typeof ev);
      }
    }
  }
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

function badInputError(bytes: Uint8Array): FvError {
  try {
    decodeArrowIpc(bytes, 'bad.arrow');
  } catch (e) {
    if (!(e instanceof FvError)) throw new Error(`raw exception escaped: ${String(e)}`);
    return e;
  }
  throw new Error('decoded without error');
}

/** An apache-arrow vector of 64-bit values (its builders only take millisecond numbers for timestamps). */
function int64Vector(type: arrow.Int64 | arrow.Timestamp, values: Array<bigint | null>): arrow.Vector {
  const data = new BigInt64Array(values.length);
  const bitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v === null) return;
    data[i] = v;
    bitmap[i >> 3]! |= 1 << (i & 7);
  });
  return arrow.makeVector(arrow.makeData({ type, length: values.length, nullBitmap: bitmap, data } as never) as arrow.Data);
}

/** Deterministic PRNG (mulberry32) so that fuzz cases are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Arrow IPC round trip', () => {
  for (const format of ['file', 'stream'] as const) {
    it(`round-trips every type with nulls (${format})`, () => {
      const t = allTypes();
      const bytes = encodeArrowIpc(t, { format });
      const back = decodeArrowIpc(bytes, 't.arrow');
      expectSameTable(back, t);
    });

    it(`round-trips an empty table with its schema (${format})`, () => {
      const t = allTypes();
      const empty: TableData = { fields: t.fields, columns: t.fields.map(() => []), rowCount: 0 };
      const back = decodeArrowIpc(encodeArrowIpc(empty, { format }));
      expectSameTable(back, empty);
    });
  }

  it('round-trips all-null columns and a table with no columns', () => {
    const t = table([
      ['a', 'int64', [null, null, null]],
      ['b', 'bool', [null, null, null]],
      ['c', 'utf8', [null, null, null]],
      ['d', 'decimal(5, 1)', [null, null, null]],
    ]);
    expectSameTable(decodeArrowIpc(encodeArrowIpc(t, { format: 'file' })), t);
    const none: TableData = { fields: [], columns: [], rowCount: 0 };
    expectSameTable(decodeArrowIpc(encodeArrowIpc(none, { format: 'stream' })), none);
  });

  it('round-trips a larger table crossing bitmap byte boundaries', () => {
    const n = 1003;
    const ints: Value[] = [];
    const strs: Value[] = [];
    const bools: Value[] = [];
    for (let i = 0; i < n; i++) {
      ints.push(i % 7 === 0 ? null : BigInt(i) * 1000000007n - 5n);
      strs.push(i % 11 === 0 ? null : i % 5 === 0 ? '' : `row-${i}-${'é'.repeat(i % 4)}`);
      bools.push(i % 3 === 0 ? null : i % 2 === 0);
    }
    const t = table([['i', 'int64', ints], ['s', 'utf8', strs], ['b', 'bool', bools]]);
    expectSameTable(decodeArrowIpc(encodeArrowIpc(t, { format: 'stream' })), t);
  });

  it('keeps unusual column names, including the empty name', () => {
    const t = table([['', 'int32', [1]], ['a.b', 'utf8', ['x']], ['ü ñ 🎉', 'bool', [true]], [' ', 'int8', [2]]]);
    for (const format of ['file', 'stream'] as const) expectSameTable(decodeArrowIpc(encodeArrowIpc(t, { format })), t);
  });

  it('refuses duplicate column names (apache-arrow would mix up their types)', () => {
    const t = table([['a', 'utf8', ['x']], ['b', 'bool', [true]], ['a', 'int8', [2]]]);
    expect(() => encodeArrowIpc(t, { format: 'file' })).toThrow(/column name "a" appears more than once/);
    // A file from another writer with duplicate names: build one with apache-arrow's
    // writer from a schema it has not mangled (the stream writer writes batch.schema).
    const schema = new arrow.Schema([new arrow.Field('a', new arrow.Int32(), true), new arrow.Field('a', new arrow.Int32(), true)]);
    const col = arrow.makeData({ type: new arrow.Int32(), length: 1, data: Int32Array.from([1]) });
    const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 1, children: [col, col] }));
    const bytes = arrow.tableToIPC(new arrow.Table([batch]), 'stream');
    try {
      decodeArrowIpc(bytes, 'dup.arrow');
      throw new Error('expected an error');
    } catch (e) {
      expect((e as FvError).code).toBe('UNSUPPORTED');
      expect((e as FvError).message).toBe('dup.arrow: column name "a" appears more than once');
    }
  });

  it('distinguishes empty strings and empty binaries from null', () => {
    const t = table([['s', 'utf8', ['', null, '']], ['b', 'binary', [new Uint8Array(0), null, new Uint8Array(0)]]]);
    const back = decodeArrowIpc(encodeArrowIpc(t, { format: 'file' }));
    expect(back.columns[0]).toEqual(['', null, '']);
    expect(back.columns[1]).toEqual([new Uint8Array(0), null, new Uint8Array(0)]);
  });

  it('keeps strings exactly: BOM, NUL, astral characters; lone surrogates become U+FFFD', () => {
    const t = table([['s', 'utf8', ['\uFEFFbom', 'a\u0000b', '𝄞'.repeat(20), 'ß'.repeat(40), '']]]);
    expect(decodeArrowIpc(encodeArrowIpc(t, { format: 'file' })).columns[0]).toEqual(t.columns[0]);
    const lone = decodeArrowIpc(encodeArrowIpc(table([['s', 'utf8', ['x\uD800y']]]), { format: 'file' }));
    expect(lone.columns[0]).toEqual(['x\uFFFDy']);
  });

  it('rejects invalid UTF-8 in a string column instead of replacing it', () => {
    const bytes = Uint8Array.from([0x61, 0xff, 0x62, 0x63]);
    for (const type of [new arrow.Utf8(), new arrow.LargeUtf8()]) {
      const offsets = type instanceof arrow.Utf8 ? Int32Array.from([0, 1, 3, 4]) : BigInt64Array.from([0n, 1n, 3n, 4n]);
      const data = arrow.makeData({ type, length: 3, valueOffsets: offsets, data: bytes } as never) as arrow.Data;
      const ipc = arrow.tableToIPC(new arrow.Table({ s: arrow.makeVector(data) }), 'stream');
      expect(() => decodeArrowIpc(ipc, 'u.arrow')).toThrow(/^u\.arrow: not a valid Arrow IPC file \(invalid UTF-8 in column "s"\)$/);
    }
  });

  it('rejects values that do not fit their column type', () => {
    const bad: Array<[string, Value]> = [
      ['int8', 128], ['uint8', -1], ['int32', 1.5], ['int64', 5], ['int64', 2n ** 63n], ['uint64', -1n],
      ['utf8', 5], ['bool', 1], ['binary', 'x'], ['decimal(3, 0)', 1000n], ['date32', 2 ** 31], ['timestamp[ms]', 1],
    ];
    for (const [type, v] of bad) {
      expect(() => encodeArrowIpc(table([['c', type, [v]]]), { format: 'file' }), `${type} ${String(v)}`).toThrow(FvError);
    }
  });
});

describe('Arrow IPC canonical bytes', () => {
  it('encodes the same data to identical bytes, also after a decode/encode cycle', () => {
    for (const format of ['file', 'stream'] as const) {
      const a = encodeArrowIpc(allTypes(), { format });
      const b = encodeArrowIpc(allTypes(), { format });
      expect(sha256(b)).toBe(sha256(a));
      const c = encodeArrowIpc(decodeArrowIpc(a), { format });
      expect(sha256(c)).toBe(sha256(a));
    }
  });

  it('does not depend on how nulls or NaNs were produced', () => {
    // A NaN with a non-standard payload must encode like the standard NaN.
    const buf = new Float64Array(1);
    new Uint32Array(buf.buffer).set([1, 0x7ff00000 | 0x12345]);
    const oddNaN = buf[0]!;
    const f32 = new Float32Array(1);
    new Uint32Array(f32.buffer)[0] = 0xffc00001;
    const oddNaN32 = f32[0]!;
    const a = encodeArrowIpc(table([['f', 'float64', [Number.NaN, 1]], ['g', 'float32', [Number.NaN, 2]]]), { format: 'file' });
    const b = encodeArrowIpc(table([['f', 'float64', [oddNaN, 1]], ['g', 'float32', [oddNaN32, 2]]]), { format: 'file' });
    expect(sha256(b)).toBe(sha256(a));
    // -0 is kept, so it is different data from +0.
    const z = encodeArrowIpc(table([['f', 'float64', [0, 1]], ['g', 'float32', [0, 2]]]), { format: 'file' });
    const nz = encodeArrowIpc(table([['f', 'float64', [-0, 1]], ['g', 'float32', [-0, 2]]]), { format: 'file' });
    expect(sha256(z)).not.toBe(sha256(nz));
  });

  it('is unaffected by apache-arrow dictionaries created elsewhere in the process', () => {
    const before = encodeArrowIpc(allTypes(), { format: 'file' });
    // Builders of dictionary vectors bump apache-arrow's global dictionary-id counter.
    arrow.tableToIPC(arrow.tableFromArrays({ s: ['a', 'b', 'a'] }), 'file');
    arrow.vectorFromArray(['x', 'y'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()));
    expect(sha256(encodeArrowIpc(allTypes(), { format: 'file' }))).toBe(sha256(before));
  });

  it('matches the pinned golden bytes', () => {
    // Chunk files are content-addressed: if these hashes change, identical
    // data would get new chunk ids and every existing repository would see
    // spurious changes. Only update them deliberately (e.g. an apache-arrow
    // upgrade that changes its flatbuffer layout), never to make a test pass.
    const t = table([
      ['id', 'int64', [1n, 2n, null]],
      ['name', 'utf8', ['a', null, 'ccc']],
      ['ok', 'bool', [true, false, null]],
      ['x', 'float64', [0.5, Number.NaN, -0]],
      ['at', 'timestamp[us, UTC]', [0n, null, -1n]],
      ['amt', 'decimal(10, 2)', [-1n, 100n, null]],
    ]);
    expect(sha256(encodeArrowIpc(t, { format: 'file' }))).toBe('ba1903f6b03f45b46dbd5a1e61fd61211def3a824e801437eddfce35e4d0de43');
    expect(sha256(encodeArrowIpc(t, { format: 'stream' }))).toBe('7b1f580af72fcfb962685e298d1a73a4618d2bea188ca7b27efcc8fc8bd66099');
  });

  it('writes every field nullable, without metadata or dictionaries', () => {
    const bytes = encodeArrowIpc(allTypes(), { format: 'file' });
    const parsed = arrow.tableFromIPC(bytes);
    expect(parsed.schema.metadata.size).toBe(0);
    expect(parsed.schema.dictionaries.size).toBe(0);
    for (const f of parsed.schema.fields) {
      expect(f.nullable).toBe(true);
      expect(f.metadata.size).toBe(0);
    }
    expect(parsed.batches.length).toBe(1);
  });
});

describe('decoding Arrow data from other writers', () => {
  it('decodes apache-arrow builder output with a dictionary column, in both formats', () => {
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const t = new arrow.Table({
      cat: arrow.vectorFromArray(['red', 'green', null, 'red', 'blué'], dictType),
      n: arrow.vectorFromArray([1n, null, -3n, I64_MAX, I64_MIN], new arrow.Int64()),
      ls: arrow.vectorFromArray(['x', 'yy', null, '', 'zzz'], new arrow.LargeUtf8()),
      lb: arrow.vectorFromArray([new Uint8Array([1]), null, new Uint8Array(0), new Uint8Array([2, 3]), new Uint8Array([4])], new arrow.LargeBinary()),
      ts: int64Vector(new arrow.TimestampNanosecond('UTC'), [0n, 1700000000123456789n, null, -1n, 5n]),
      f: arrow.vectorFromArray([1.5, null, 2.5, Number.NaN, -0], new arrow.Float32()),
    });
    for (const format of ['file', 'stream'] as const) {
      const back = decodeArrowIpc(arrow.tableToIPC(t, format), 'x.arrow');
      expect(back.fields.map((f) => f.type)).toEqual([
        { kind: 'utf8' }, { kind: 'int64' }, { kind: 'large_utf8' }, { kind: 'binary' },
        { kind: 'timestamp', unit: 'ns', tz: 'UTC' }, { kind: 'float32' },
      ]);
      expectSameTable(back, {
        fields: back.fields,
        rowCount: 5,
        columns: [
          ['red', 'green', null, 'red', 'blué'],
          [1n, null, -3n, I64_MAX, I64_MIN],
          ['x', 'yy', null, '', 'zzz'],
          [new Uint8Array([1]), null, new Uint8Array(0), new Uint8Array([2, 3]), new Uint8Array([4])],
          [0n, 1700000000123456789n, null, -1n, 5n],
          [1.5, null, 2.5, Number.NaN, -0],
        ],
      });
    }
  });

  it('concatenates several record batches (stream with a replacement dictionary, file)', () => {
    const dictType = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    const b1 = new arrow.Table({ s: arrow.vectorFromArray(['a', 'b'], dictType), i: arrow.vectorFromArray([1, 2], new arrow.Int16()) });
    const b2 = new arrow.Table({ s: arrow.vectorFromArray(['c', null, 'a'], dictType), i: arrow.vectorFromArray([null, 4, 5], new arrow.Int16()) });
    const stream = decodeArrowIpc(arrow.tableToIPC(new arrow.Table([...b1.batches, ...b2.batches]), 'stream'));
    expect(stream.rowCount).toBe(5);
    expect(stream.columns).toEqual([['a', 'b', 'c', null, 'a'], [1, 2, null, 4, 5]]);
    // The file format cannot replace dictionaries, so use plain strings there.
    const p1 = new arrow.Table({ s: arrow.vectorFromArray(['a', 'b'], new arrow.Utf8()) });
    const p2 = new arrow.Table({ s: arrow.vectorFromArray(['c', null, 'a'], new arrow.Utf8()) });
    const p3 = new arrow.Table({ s: arrow.vectorFromArray([] as string[], new arrow.Utf8()) });
    const file = decodeArrowIpc(arrow.tableToIPC(new arrow.Table([...p1.batches, ...p3.batches, ...p2.batches]), 'file'));
    expect(file.rowCount).toBe(5);
    expect(file.columns).toEqual([['a', 'b', 'c', null, 'a']]);
  });

  it('reads sliced Arrow data exactly (offsets, validity and boolean bitmaps)', () => {
    const n = 37;
    const ints = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? null : BigInt(i) - 20n));
    const strs = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `s${i}é`));
    const bools = Array.from({ length: n }, (_, i) => (i % 6 === 0 ? null : i % 3 === 1));
    const decs = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : BigInt(i) * -1000n));
    const full = new arrow.Table({
      i: arrow.vectorFromArray(ints, new arrow.Int64()),
      s: arrow.vectorFromArray(strs, new arrow.Utf8()),
      b: arrow.vectorFromArray(bools, new arrow.Bool()),
      t: int64Vector(new arrow.TimestampMicrosecond(), ints.map((v) => (v === null ? null : v * 1000n))),
    });
    // Decimal via makeData (apache-arrow builders do not take bigints for decimals).
    const words = new Uint32Array(n * 4);
    const bitmap = new Uint8Array(Math.ceil(n / 8));
    decs.forEach((v, i) => {
      if (v === null) return;
      bitmap[i >> 3]! |= 1 << (i & 7);
      let u = BigInt.asUintN(128, v);
      for (let w = 0; w < 4; w++) { words[i * 4 + w] = Number(u & 0xffffffffn); u >>= 32n; }
    });
    const decData = arrow.makeData({ type: new arrow.Decimal(3, 20, 128), length: n, nullBitmap: bitmap, data: words });
    for (const [start, end] of [[3, 30], [9, 10], [1, 37], [13, 13]] as const) {
      const sliced = full.slice(start, end);
      const decSliced = decData.slice(start, end - start);
      const decField = new arrow.Field('d', decData.type, true);
      const schema = new arrow.Schema([...sliced.schema.fields, decField]);
      const batches = sliced.batches.map((b) => new arrow.RecordBatch(schema, arrow.makeData({
        type: new arrow.Struct(schema.fields), length: b.numRows, children: [...b.data.children, decSliced],
      })));
      const got = tableDataFromArrow(schema, batches, 'sliced');
      expect(got.rowCount).toBe(end - start);
      expect(got.columns[0]).toEqual(ints.slice(start, end));
      expect(got.columns[1]).toEqual(strs.slice(start, end));
      expect(got.columns[2]).toEqual(bools.slice(start, end));
      expect(got.columns[3]).toEqual(ints.slice(start, end).map((v) => (v === null ? null : v * 1000n)));
      expect(got.columns[4]).toEqual(decs.slice(start, end));
      // Writing the slice to IPC (apache-arrow rebases it) must give the same values.
      const viaIpc = decodeArrowIpc(arrow.tableToIPC(sliced, 'stream'));
      expect(viaIpc.columns).toEqual(got.columns.slice(0, 4));
    }
  });

  it('decodes Utf8View and BinaryView columns (polars-style strings)', () => {
    const strs = ['short', '', 'this one is longer than twelve bytes é', 'abcdefghijkl', 'abcdefghijklm'];
    const enc = new TextEncoder();
    const heap: number[] = [];
    const views = new Uint8Array(strs.length * 16);
    const dv = new DataView(views.buffer);
    strs.forEach((s, i) => {
      const b = enc.encode(s);
      dv.setInt32(i * 16, b.length, true);
      if (b.length <= 12) {
        views.set(b, i * 16 + 4);
      } else {
        views.set(b.subarray(0, 4), i * 16 + 4);
        dv.setInt32(i * 16 + 8, 0, true);
        dv.setInt32(i * 16 + 12, heap.length, true);
        heap.push(...b);
      }
    });
    const bitmap = new Uint8Array([0b11101]); // row 1 is null
    const mk = (type: arrow.Utf8View | arrow.BinaryView) => arrow.makeData({
      type, length: strs.length, nullCount: 1, nullBitmap: bitmap, views, variadicBuffers: [Uint8Array.from(heap)],
    } as never) as arrow.Data;
    const schema = new arrow.Schema([new arrow.Field('s', new arrow.Utf8View(), true), new arrow.Field('b', new arrow.BinaryView(), true)]);
    const batch = new arrow.RecordBatch(schema, arrow.makeData({
      type: new arrow.Struct(schema.fields), length: strs.length, children: [mk(new arrow.Utf8View()), mk(new arrow.BinaryView())],
    }));
    const expected = strs.map((s, i) => (i === 1 ? null : s));
    const direct = tableDataFromArrow(schema, [batch], 'v');
    expect(direct.fields.map((f) => f.type.kind)).toEqual(['utf8', 'binary']);
    expect(direct.columns[0]).toEqual(expected);
    expect(direct.columns[1]).toEqual(expected.map((s) => (s === null ? null : enc.encode(s))));
    const viaIpc = decodeArrowIpc(arrow.tableToIPC(new arrow.Table([batch]), 'stream'));
    expect(viaIpc.columns).toEqual(direct.columns);
  });

  it('reports unsupported column types as UNSUPPORTED, naming the column', () => {
    const t = new arrow.Table({
      ok: arrow.vectorFromArray([1, 2], new arrow.Int32()),
      tags: arrow.vectorFromArray([[1], [2, 3]], new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
    });
    const bytes = arrow.tableToIPC(t, 'file');
    expect(() => decodeArrowIpc(bytes, 'l.arrow')).toThrow(/column "tags": Arrow type List<Int32> is not supported/);
    try {
      decodeArrowIpc(bytes, 'l.arrow');
    } catch (e) {
      expect((e as FvError).code).toBe('UNSUPPORTED');
    }
  });

  it('reports compressed IPC bodies (Feather v2 default) as UNSUPPORTED', () => {
    // apache-arrow ships no codecs; register a pass-through "ZSTD" encoder
    // (never smaller, so buffers are stored raw) just to produce the metadata.
    arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, {
      encode: (b: Uint8Array) => Uint8Array.from([40, 181, 47, 253, 0, 0, ...b]),
    });
    try {
      const t = new arrow.Table({ n: arrow.vectorFromArray([1, 2, 3], new arrow.Int32()) });
      for (const format of ['file', 'stream'] as const) {
        const bytes = arrow.tableToIPC(t, format, arrow.CompressionType.ZSTD);
        try {
          decodeArrowIpc(bytes, 'c.feather');
          throw new Error('expected an error');
        } catch (e) {
          expect(e).toBeInstanceOf(FvError);
          expect((e as FvError).code).toBe('UNSUPPORTED');
          expect((e as FvError).message).toBe('c.feather: compressed Arrow IPC data is not supported');
        }
      }
    } finally {
      arrow.compressionRegistry.set(arrow.CompressionType.ZSTD, null as never);
    }
  });

  it('accepts a byte array that is not 8-byte aligned', () => {
    const bytes = encodeArrowIpc(allTypes(), { format: 'file' });
    const shifted = new Uint8Array(bytes.length + 3).subarray(3);
    shifted.set(bytes);
    expectSameTable(decodeArrowIpc(shifted), allTypes());
  });
});

describe('corrupt Arrow input', () => {
  const small = table([
    ['id', 'int64', [1n, null, 3n]],
    ['s', 'utf8', ['a', 'bb', null]],
    ['b', 'bool', [true, null, false]],
    ['d', 'decimal(12, 2)', [5n, -5n, null]],
  ]);

  it('rejects empty input and random garbage with BAD_INPUT', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(3), new Uint8Array(64), new TextEncoder().encode('id,name\n1,x\n'), new TextEncoder().encode('ARROW1')]) {
      const e = badInputError(bytes);
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(/^bad\.arrow: not a valid Arrow IPC file \(.+\)$/);
    }
    const rand = rng(42);
    for (let k = 0; k < 300; k++) {
      const b = new Uint8Array(1 + Math.floor(rand() * 2000));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(rand() * 256);
      if (k % 3 === 0) b.set([0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]); // pretend to be a file
      if (k % 3 === 1) b.set([0xff, 0xff, 0xff, 0xff]); // pretend to be a stream
      expect(badInputError(b).code).toBe('BAD_INPUT');
    }
  });

  for (const format of ['file', 'stream'] as const) {
    it(`rejects every truncation with BAD_INPUT (${format})`, () => {
      const bytes = encodeArrowIpc(small, { format });
      for (let len = 0; len < bytes.length; len++) {
        const e = badInputError(bytes.slice(0, len));
        expect(e.code, `truncated to ${len}`).toBe('BAD_INPUT');
        expect(e.message).toMatch(/^bad\.arrow: not a valid Arrow IPC file \(/);
      }
    });

    it(`never lets a raw exception escape for flipped bytes (${format})`, () => {
      const bytes = encodeArrowIpc(small, { format });
      const rand = rng(format === 'file' ? 1 : 2);
      const cases: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes.slice();
        b[i] = b[i]! ^ 0xff;
        cases.push(b);
      }
      for (let k = 0; k < 300; k++) {
        const b = bytes.slice();
        for (let j = 0; j < 3; j++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        cases.push(b);
      }
      let rejected = 0;
      for (const b of cases) {
        try {
          const t = decodeArrowIpc(b, 'bad.arrow');
          // Arrow has no checksums: a flip inside a value buffer can decode to other values.
          expect(t.rowCount).toBeLessThanOrEqual(bytes.length * 8);
        } catch (e) {
          if (!(e instanceof FvError)) throw new Error(`raw exception escaped: ${String(e)}`);
          expect(['BAD_INPUT', 'UNSUPPORTED']).toContain(e.code);
          rejected++;
        }
      }
      expect(rejected).toBeGreaterThan(0);
    });
  }

  it('rejects trailing bytes after the end of a stream and a second stream appended', () => {
    const bytes = encodeArrowIpc(small, { format: 'stream' });
    const twice = new Uint8Array(bytes.length * 2);
    twice.set(bytes);
    twice.set(bytes, bytes.length);
    expect(badInputError(twice).message).toMatch(/after end-of-stream/);
  });

  it('rejects a stream cut at a message boundary (no end-of-stream marker)', () => {
    const bytes = encodeArrowIpc(small, { format: 'stream' });
    expect(badInputError(bytes.slice(0, bytes.length - 8)).message).toMatch(/no end-of-stream marker/);
  });
});
