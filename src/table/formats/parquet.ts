/**
 * Parquet import/export through parquet-wasm (arrow-rs compiled to
 * WebAssembly). Parquet is converted to and from an Arrow IPC stream so that
 * all type handling lives in one place (arrow-codec.ts / arrow-types.ts).
 *
 * The parquet writer embeds the Arrow schema (the "ARROW:schema" key-value
 * metadata) and the reader restores types from it, so fv types come back
 * exactly: timezones, large_utf8, unsigned integers, decimal(p, s).
 * timestamp[s] is the exception: Parquet has no seconds unit and parquet-wasm
 * would write such a column as a bare INT64 that other readers (DuckDB,
 * Spark) see as a number. fv writes it as milliseconds, which every reader
 * understands, and names the column in the file's `fv.seconds` key-value
 * metadata so that fv reads it back as timestamp[s].
 * Files from other writers without that metadata map Parquet's logical types
 * onto Arrow the usual way (e.g. a Spark INT96 timestamp becomes
 * timestamp[ns]).
 */
import { FvError, isFvError } from '../../errors/FvError.js';
import * as arrow from 'apache-arrow';
import { decodeArrowIpc } from '../arrow/arrow-codec.js';
import { encodeColumnarIpc } from '../arrow/gather-column.js';
import type { ColumnarTable } from '../arrow/typed-columns.js';
import { columnarFromTableData } from '../arrow/typed-columns.js';
import { fvTypeToArrow } from '../arrow/arrow-types.js';
import type { TableData } from '../table-data.js';
import { typeToString } from '../types.js';
import { isWasmTrap, loadParquetWasm, parquetFromIpcStream, SECONDS_KEY, withParquet } from './parquet-wasm.js';

function reason(e: unknown): string {
  if (isWasmTrap(e)) return 'the Parquet library crashed on it';
  const msg = e instanceof Error ? e.message : String(e);
  const line = (msg.split('\n')[0] ?? '').trim() || 'unreadable';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31;
}

/** Rows per Arrow batch when reading; larger than the default 1024 to cut per-batch overhead. */
const READ_BATCH_ROWS = 65536;

/**
 * Reads a Parquet file into a TableData. Corrupt input gives FvError
 * BAD_INPUT naming `fileName`; columns of types fv does not have (lists,
 * structs, ...) give FvError UNSUPPORTED.
 */
export async function readParquet(bytes: Uint8Array, fileName: string): Promise<TableData> {
  // The Parquet reader only looks at the footer; a file must also start with
  // the magic, or a damaged head (a half-overwritten file) would be accepted.
  if (!startsWithMagic(bytes)) throw new FvError('BAD_INPUT', `${fileName}: not a valid Parquet file (no PAR1 magic at the start)`);
  let ipc: Uint8Array;
  try {
    ipc = withParquet((pq) => pq.readParquet(bytes, { batchSize: READ_BATCH_ROWS }).intoIPCStream());
  } catch (e) {
    throw new FvError('BAD_INPUT', `${fileName}: not a valid Parquet file (${reason(e)})`, { cause: e });
  }
  try {
    return restoreSeconds(decodeArrowIpc(ipc, fileName), await secondsColumns(bytes));
  } catch (e) {
    // UNSUPPORTED column types pass through; anything else means parquet-wasm
    // produced something we cannot read, which is still about this file.
    if (isFvError(e) && e.code !== 'BAD_INPUT') throw e;
    throw new FvError('BAD_INPUT', `${fileName}: not a valid Parquet file (${reason(e)})`, { cause: e });
  }
}

/**
 * Serialises `t` as Parquet. The same data always gives the same bytes:
 * the Arrow input is canonical (encodeArrowIpc), and the writer settings are
 * pinned (parquet-wasm.ts).
 */
export async function writeParquet(t: TableData): Promise<Uint8Array> {
  return writeParquetColumnar(columnarFromTableData(t));
}

/** What parquetFromIpcStream writes for canonical typed columns: timestamp[s] as milliseconds, named in `seconds`. */
export interface ParquetInput {
  ipc: Uint8Array;
  seconds: string[];
}

/** The Arrow IPC stream and seconds columns that `t` (canonical typed columns, gather-column.ts) is written from. */
export function parquetInput(t: ColumnarTable): ParquetInput {
  const seconds = t.fields.filter((f) => f.type.kind === 'timestamp' && f.type.unit === 's').map((f) => f.name);
  return { ipc: encodeColumnarIpc(seconds.length > 0 ? secondsToMillis(t) : t, 'stream'), seconds };
}

/** Writes a parquetInput in this thread; parquet-wasm's failures become FvErrors. */
export function writeParquetInput(input: ParquetInput): Uint8Array {
  try {
    return parquetFromIpcStream(input.ipc, input.seconds);
  } catch (e) {
    if (isFvError(e)) throw e;
    // Only reachable on valid input if parquet-wasm itself gives up (e.g. its
    // 4 GiB wasm memory is exhausted); Arrow output has no such limit.
    throw new FvError('UNSUPPORTED', `cannot write this table as Parquet (${reason(e)})`, { cause: e, hint: 'export it in Arrow format instead' });
  }
}

/** writeParquet of canonical typed columns (gather-column.ts), as fv build produces them. */
export async function writeParquetColumnar(t: ColumnarTable): Promise<Uint8Array> {
  return writeParquetInput(parquetInput(t));
}

/** timestamp[s] columns as timestamp[ms] (zero under nulls stays zero, so the column stays canonical). */
function secondsToMillis(t: ColumnarTable): ColumnarTable {
  const fields = t.fields.map((f) => (f.type.kind === 'timestamp' && f.type.unit === 's' ? { name: f.name, type: { ...f.type, unit: 'ms' as const } } : f));
  const columns = t.columns.map((d, i) => {
    const f = fields[i]!;
    if (f === t.fields[i] || f.type.kind !== 'timestamp') return d;
    const secs = d.values as BigInt64Array;
    const millis = new BigInt64Array(d.length);
    for (let r = 0; r < d.length; r++) {
      const v = secs[r]! * 1000n;
      if (BigInt.asIntN(64, v) !== v) throw new FvError('TYPE_ERROR', `column "${f.name}" row ${r}: ${v}n is not a valid ${typeToString(f.type)} value`);
      millis[r] = v;
    }
    const type = fvTypeToArrow(f.type) as arrow.Timestamp;
    return arrow.makeData({ type, length: d.length, nullCount: d.nullCount, nullBitmap: d.nullCount > 0 ? d.nullBitmap : undefined, data: millis });
  });
  return { fields, columns, rowCount: t.rowCount };
}

async function secondsColumns(bytes: Uint8Array): Promise<string[]> {
  const pq = loadParquetWasm();
  const file = await pq.ParquetFile.fromFile(new Blob([bytes]));
  try {
    const raw: unknown = file.metadata().fileMetadata().keyValueMetadata().get(SECONDS_KEY);
    const names: unknown = typeof raw === 'string' ? JSON.parse(raw) : [];
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
  } finally {
    file.free();
  }
}

/** Turns the named timestamp[ms] columns back into timestamp[s] when every value is whole seconds. */
function restoreSeconds(t: TableData, names: string[]): TableData {
  if (names.length === 0) return t;
  const fields = t.fields.map((f, i) => {
    const restore = names.includes(f.name) && f.type.kind === 'timestamp' && f.type.unit === 'ms' && t.columns[i]!.every((v) => v === null || (v as bigint) % 1000n === 0n);
    return restore ? { name: f.name, type: { ...f.type, unit: 's' as const } } : f;
  });
  const columns = t.columns.map((col, i) => (fields[i] === t.fields[i] ? col : col.map((v) => (v === null ? null : (v as bigint) / 1000n))));
  return { fields, columns, rowCount: t.rowCount };
}
