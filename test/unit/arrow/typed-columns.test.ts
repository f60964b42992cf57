import { describe, expect, it } from 'vitest';
import { decodeArrowIpc, encodeArrowIpc } from '../../../src/table/arrow/arrow-codec.js';
import { readChunkColumns } from '../../../src/table/arrow/chunk-columns.js';
import { encodeColumnarIpc, gatherColumn, sourceOrder } from '../../../src/table/arrow/gather-column.js';
import type { ColumnarTable } from '../../../src/table/arrow/typed-columns.js';
import { ColumnarTableBuilder, columnarFromTableData, exactNumbers, tableDataFromColumnar } from '../../../src/table/arrow/typed-columns.js';
import type { TableData } from '../../../src/table/table-data.js';
import { allTypes, table } from './all-types.js';

/** The rows of `t` picked by `rows` (-1 = a row of nulls), as plain values. */
function pick(t: TableData, rows: number[]): TableData {
  return { fields: t.fields, columns: t.columns.map((col) => rows.map((j) => (j < 0 ? null : col[j]!))), rowCount: rows.length };
}

function gathered(t: ColumnarTable, rows: number[] | null): ColumnarTable {
  const n = rows === null ? t.rowCount : rows.length;
  const map = rows === null ? null : Int32Array.from(rows);
  return { fields: t.fields, columns: t.fields.map((f, i) => gatherColumn(f, t.columns[i]!, map, n)), rowCount: n };
}

/** `t` cut into chunks of the given sizes, each an Arrow IPC file, read back the way fv build reads chunks. */
function readInChunks(t: TableData, sizes: number[]): { table: ColumnarTable; typedChunks: number } {
  const builder = new ColumnarTableBuilder(t.fields, t.rowCount);
  let at = 0;
  let typedChunks = 0;
  for (const size of sizes) {
    const bytes = encodeArrowIpc(pick(t, Array.from({ length: size }, (_, i) => at + i)), { format: 'file' });
    const typed = readChunkColumns(bytes, t.fields, size);
    if (typed !== null) typedChunks++;
    builder.append(typed ?? columnarFromTableData(decodeArrowIpc(bytes)).columns, size);
    at += size;
  }
  return { table: builder.finish(), typedChunks };
}

describe('typed columns (fv build)', () => {
  it('gathered columns encode to the bytes encodeArrowIpc gives for the same values, for every type', () => {
    const t = allTypes();
    const typed = columnarFromTableData(t);
    for (const format of ['file', 'stream'] as const) {
      expect(Buffer.from(encodeColumnarIpc(gathered(typed, null), format)).equals(Buffer.from(encodeArrowIpc(t, { format })))).toBe(true);
      const rows = [4, -1, 0, 0, 2, -1, 3, 1];
      expect(Buffer.from(encodeColumnarIpc(gathered(typed, rows), format)).equals(Buffer.from(encodeArrowIpc(pick(t, rows), { format })))).toBe(true);
    }
    // No nulls at all: no validity bitmap, as encodeArrowIpc writes it.
    expect(Buffer.from(encodeColumnarIpc(gathered(typed, [0, 4]), 'file')).equals(Buffer.from(encodeArrowIpc(pick(t, [0, 4]), { format: 'file' })))).toBe(true);
  });

  it('NaN payloads become the standard quiet NaN, -0 stays -0', () => {
    const t = table([['f', 'float64', [1, -0, Number.NaN, null]]]);
    const typed = columnarFromTableData(t);
    new Uint32Array((typed.columns[0]!.values as Float64Array).buffer)[5] = 0x7ff00001; // a signalling NaN with a payload
    expect(Buffer.from(encodeColumnarIpc(gathered(typed, null), 'file')).equals(Buffer.from(encodeArrowIpc(t, { format: 'file' })))).toBe(true);
  });

  it('chunks are read into table-wide columns with the same values; chunks not in fv layout take the general decoder', () => {
    const t = allTypes();
    const { table: whole, typedChunks } = readInChunks(t, [2, 0, 3]);
    // large_utf8 (64-bit offsets) is read the general way.
    expect(typedChunks).toBe(0);
    expect(tableDataFromColumnar(whole)).toEqual(t);
    const noLarge: TableData = { fields: t.fields.filter((f) => f.type.kind !== 'large_utf8'), columns: t.columns.filter((_, i) => t.fields[i]!.type.kind !== 'large_utf8'), rowCount: t.rowCount };
    const read = readInChunks(noLarge, [1, 3, 1]);
    expect(read.typedChunks).toBe(3);
    expect(tableDataFromColumnar(read.table)).toEqual(noLarge);
    const rows = [2, 0, -1, 4, 1, 3];
    expect(Buffer.from(encodeColumnarIpc(gathered(read.table, rows), 'file')).equals(Buffer.from(encodeArrowIpc(pick(noLarge, rows), { format: 'file' })))).toBe(true);
  });

  it('a damaged or foreign chunk gives null (the general decoder then reports it), never a throw', () => {
    const t = table([['k', 'int64', [1n, 2n]], ['s', 'utf8', ['a', 'b']]]);
    const bytes = encodeArrowIpc(t, { format: 'file' });
    expect(readChunkColumns(bytes, t.fields, 2)).not.toBeNull();
    expect(readChunkColumns(bytes.subarray(0, bytes.length - 20), t.fields, 2)).toBeNull();
    expect(readChunkColumns(new Uint8Array(100), t.fields, 2)).toBeNull();
    expect(readChunkColumns(bytes, t.fields, 3)).toBeNull();
    expect(readChunkColumns(bytes, [t.fields[0]!, { name: 's', type: { kind: 'binary' } }], 2)).toBeNull();
    expect(readChunkColumns(encodeArrowIpc(t, { format: 'stream' }), t.fields, 2)).toBeNull();
    // Text that is not valid UTF-8 value by value: "é" split across two values.
    const split = columnarFromTableData(table([['s', 'utf8', ['é', 'x']]]));
    const offsets = split.columns[0]!.valueOffsets as Int32Array;
    offsets[1] = 1;
    expect(readChunkColumns(encodeColumnarIpc(split, 'file'), split.fields, 2)).toBeNull();
  });

  it('exactNumbers: exact float64 views of integers, null where a value has none', () => {
    const view = (type: string, values: (bigint | number | null)[], factor = 1): number[] | null => {
      const t = columnarFromTableData(table([['c', type, values]]));
      const v = exactNumbers(t.fields[0]!, t.columns[0]!, factor);
      return v === null ? null : [...v];
    };
    expect(view('int64', [1n, -5n, null, 9007199254740991n, -9007199254740991n])).toEqual([1, -5, -Infinity, 9007199254740991, -9007199254740991]);
    expect(view('int64', [9007199254740992n])).toBeNull();
    expect(view('int64', [-(2n ** 63n)])).toBeNull();
    expect(view('uint64', [2n ** 64n - 1n])).toBeNull();
    expect(view('uint64', [4294967296n])).toEqual([4294967296]);
    expect(view('timestamp[s]', [1700000000n, -1n], 1000)).toEqual([1700000000000, -1000]);
    expect(view('timestamp[s]', [1700000000n], 1e9)).toBeNull();
    expect(view('int32', [-3, null, 7])).toEqual([-3, -Infinity, 7]);
    expect(view('float64', [1, 2.5])).toBeNull();
    expect(view('float64', [-0])).toBeNull();
    expect(view('float64', [3, null])).toEqual([3, -Infinity]);
    expect(view('utf8', ['1'])).toBeNull();
  });
});

describe('sourceOrder (the order gatherColumn reads source rows in)', () => {
  it('lists the output rows that have a source row, by ascending source row, for one to three radix passes', () => {
    let seed = 7;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (const max of [100, 5000, 3_000_000, 2 ** 31 - 1]) {
      const rows = Int32Array.from({ length: 3000 }, () => (next() % 5 === 0 ? -1 : next() % max));
      const order = sourceOrder(rows);
      const expected = [...rows.keys()].filter((r) => rows[r]! >= 0).sort((a, b) => rows[a]! - rows[b]! || a - b);
      expect([...order], `source rows below ${max}`).toEqual(expected);
    }
  });
});
