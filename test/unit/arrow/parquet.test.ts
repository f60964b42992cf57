import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { decodeArrowIpc } from '../../../src/table/arrow/arrow-codec.js';
import { readParquet, writeParquet } from '../../../src/table/formats/parquet.js';
import type { TableData } from '../../../src/table/table-data.js';
import { parseType, typeToString, type Field, type Value } from '../../../src/table/types.js';

import { allTypes, I64_MAX, I64_MIN, table, U64_MAX } from './all-types.js';

function expectSameTable(actual: TableData, expected: TableData): void {
  expect(actual.fields.map((f) => `${f.name}:${typeToString(f.type)}`)).toEqual(expected.fields.map((f) => `${f.name}:${typeToString(f.type)}`));
  expect(actual.rowCount).toBe(expected.rowCount);
  for (let c = 0; c < expected.columns.length; c++) {
    const e = expected.columns[c]!;
    const a = actual.columns[c]!;
    expect(a.length).toBe(e.length);
    for (let r = 0; r < e.length; r++) {
      const where = `column ${expected.fields[c]!.name} row ${r}`;
      if (typeof e[r] === 'number') expect(Object.is(a[r], e[r]), `${where}: ${String(a[r])} vs ${String(e[r])}`).toBe(true);
      else expect(a[r], where).toEqual(e[r]);
    }
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function parquetError(bytes: Uint8Array): Promise<FvError> {
  try {
    await readParquet(bytes, 'bad.parquet');
  } catch (e) {
    if (!(e instanceof FvError)) throw new Error(`raw exception escaped: ${String(e)}`);
    return e;
  }
  throw new Error('read without error');
}

describe('Parquet', () => {
  it('round-trips every fv type exactly, nulls included', async () => {
    const t = allTypes();
    const back = await readParquet(await writeParquet(t), 'all.parquet');
    expectSameTable(back, t);
  });

  it('round-trips an empty table and a larger multi-batch table', async () => {
    const t = allTypes();
    const empty: TableData = { fields: t.fields, columns: t.fields.map(() => []), rowCount: 0 };
    expectSameTable(await readParquet(await writeParquet(empty), 'e.parquet'), empty);

    const n = 70000; // more than one read batch
    const ids: Value[] = [];
    const names: Value[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(i % 1000 === 0 ? null : BigInt(i) * 3n - 7n);
      names.push(i % 777 === 0 ? null : `n${i % 5000}`);
    }
    const big = table([['id', 'int64', ids], ['name', 'utf8', names]]);
    expectSameTable(await readParquet(await writeParquet(big), 'big.parquet'), big);
  });

  it('writes identical bytes for identical data', async () => {
    const a = await writeParquet(allTypes());
    const b = await writeParquet(allTypes());
    expect(sha256(b)).toBe(sha256(a));
    // ...also after a read/write cycle.
    const c = await writeParquet(await readParquet(a, 'a.parquet'));
    expect(sha256(c)).toBe(sha256(a));
  });

  it('pins the writer settings in the file metadata', async () => {
    const pq = createRequire(import.meta.url)('parquet-wasm') as typeof import('parquet-wasm');
    const bytes = await writeParquet(allTypes());
    const meta = (await pq.ParquetFile.fromFile(new Blob([bytes]))).metadata();
    expect(meta.fileMetadata().createdBy()).toBe('fv');
    expect(meta.fileMetadata().keyValueMetadata().has('ARROW:schema')).toBe(true);
    const col = meta.rowGroup(0).column(0);
    expect(col.compression()).toBe(pq.Compression.ZSTD);
  });

  it('reads Parquet written from apache-arrow tables with a dictionary column', async () => {
    // parquet-wasm takes any Arrow IPC stream; a dictionary column comes back as plain strings.
    const pq = createRequire(import.meta.url)('parquet-wasm') as typeof import('parquet-wasm');
    const t = new arrow.Table({
      cat: arrow.vectorFromArray(['a', 'b', null, 'a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
      x: arrow.vectorFromArray([1.5, null, -0, 2], new arrow.Float64()),
    });
    const bytes = pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')));
    const back = await readParquet(bytes, 'd.parquet');
    expect(back.fields.map((f) => f.type.kind)).toEqual(['utf8', 'float64']);
    expect(back.columns[0]).toEqual(['a', 'b', null, 'a']);
    expect(Object.is(back.columns[1]![2], -0)).toBe(true);
  });

  it('reports unsupported column types as UNSUPPORTED', async () => {
    const pq = createRequire(import.meta.url)('parquet-wasm') as typeof import('parquet-wasm');
    const t = new arrow.Table({
      tags: arrow.vectorFromArray([[1], [2, 3]], new arrow.List(new arrow.Field('item', new arrow.Int32(), true))),
    });
    const bytes = pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')));
    await expect(readParquet(bytes, 'l.parquet')).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/column "tags"/) });
  });

  it('rejects corrupt input with BAD_INPUT naming the file, and keeps working afterwards', async () => {
    const good = await writeParquet(table([['id', 'int64', [1n, null, 3n]], ['s', 'utf8', ['a', 'bb', null]], ['t', 'timestamp[s, UTC]', [1n, 2n, null]]]));
    const cases: Uint8Array[] = [new Uint8Array(0), new TextEncoder().encode('not parquet at all'), new TextEncoder().encode('PAR1')];
    for (let n = 1; n < good.length; n += 13) cases.push(good.slice(0, n));
    for (let i = 0; i < good.length; i += 3) {
      const b = good.slice();
      b[i] = b[i]! ^ 0xff;
      cases.push(b);
    }
    let rejected = 0;
    for (const b of cases) {
      try {
        await readParquet(b, 'bad.parquet');
      } catch (e) {
        if (!(e instanceof FvError)) throw new Error(`raw exception escaped: ${String(e)}`);
        expect(['BAD_INPUT', 'UNSUPPORTED']).toContain(e.code);
        if (e.code === 'BAD_INPUT') expect(e.message).toMatch(/^bad\.parquet: not a valid Parquet file \(.+\)$/);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(cases.length / 2);
    for (const b of cases.slice(0, 3)) expect((await parquetError(b)).code).toBe('BAD_INPUT');
    // Truncation always loses the footer, so it is always detected.
    for (let n = 1; n < good.length; n += 13) expect((await parquetError(good.slice(0, n))).code).toBe('BAD_INPUT');
    // The wasm module is still usable (after a panic it is re-instantiated).
    expect((await readParquet(good, 'good.parquet')).rowCount).toBe(3);
  });

  it('produces Arrow that our decoder reads (arrow-rs writer output)', async () => {
    // parquet-wasm's IPC output comes from arrow-rs: a second independent Arrow writer.
    const pq = createRequire(import.meta.url)('parquet-wasm') as typeof import('parquet-wasm');
    const bytes = await writeParquet(allTypes());
    const ipc = pq.readParquet(bytes, { batchSize: 2 }).intoIPCStream(); // 3 record batches
    // Seconds are stored as milliseconds (Parquet has no seconds unit); readParquet
    // restores them from fv's own metadata, the raw arrow-rs output does not.
    const expected = allTypes();
    const raw = decodeArrowIpc(ipc, 'rs.arrows');
    expected.fields.forEach((f, i) => {
      if (f.type.kind === 'timestamp' && f.type.unit === 's') {
        expected.fields[i] = { name: f.name, type: { ...f.type, unit: 'ms' } };
        expected.columns[i] = expected.columns[i]!.map((v) => (v === null ? null : (v as bigint) * 1000n));
      }
    });
    expectSameTable(raw, expected);
  });
});
