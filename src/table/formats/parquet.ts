/**
 * Parquet import/export through parquet-wasm (arrow-rs compiled to
 * WebAssembly). Parquet is converted to and from an Arrow IPC stream so that
 * all type handling lives in one place (arrow-codec.ts / arrow-types.ts).
 *
 * The parquet writer embeds the Arrow schema (the "ARROW:schema" key-value
 * metadata) and the reader restores types from it, so every fv type comes
 * back exactly: timestamp[s] (which Parquet itself can only store as
 * milliseconds), timezones, large_utf8, unsigned integers, decimal(p, s).
 * Files from other writers without that metadata map Parquet's logical types
 * onto Arrow the usual way (e.g. a Spark INT96 timestamp becomes
 * timestamp[ns]).
 */
import { createRequire } from 'node:module';
import { FvError, isFvError } from '../../errors/FvError.js';
import { decodeArrowIpc, encodeArrowIpc } from '../arrow/arrow-codec.js';
import type { TableData } from '../table-data.js';

type ParquetWasm = typeof import('parquet-wasm');

// The package's Node build is CommonJS that compiles its ~5 MB wasm module
// synchronously when first required. It is loaded lazily (most fv commands
// never touch Parquet) with require, which resolves the same way from src/
// under vitest and from the compiled dist/, and which lets a broken instance
// be dropped: see withParquet.
const requireFromHere = createRequire(import.meta.url);
let cached: ParquetWasm | null = null;

function loadParquetWasm(): ParquetWasm {
  if (cached === null) cached = requireFromHere('parquet-wasm') as ParquetWasm;
  return cached;
}

/**
 * Runs `fn` with the wasm module. A Rust panic inside wasm surfaces as a
 * WebAssembly.RuntimeError ("unreachable") and may leave the instance's
 * memory or allocator in a half-updated state, so after one the instance is
 * discarded and the next call instantiates a fresh one.
 */
function withParquet<T>(fn: (pq: ParquetWasm) => T): T {
  const pq = loadParquetWasm();
  try {
    return fn(pq);
  } catch (e) {
    if (isWasmTrap(e)) {
      cached = null;
      delete requireFromHere.cache[requireFromHere.resolve('parquet-wasm')];
    }
    throw e;
  }
}

/** A WebAssembly.RuntimeError (the WebAssembly global is not in this project's TS lib). */
function isWasmTrap(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === 'RuntimeError';
}

function reason(e: unknown): string {
  if (isWasmTrap(e)) return 'the Parquet library crashed on it';
  const msg = e instanceof Error ? e.message : String(e);
  const line = (msg.split('\n')[0] ?? '').trim() || 'unreadable';
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** Rows per Arrow batch when reading; larger than the default 1024 to cut per-batch overhead. */
const READ_BATCH_ROWS = 65536;

/**
 * Reads a Parquet file into a TableData. Corrupt input gives FvError
 * BAD_INPUT naming `fileName`; columns of types fv does not have (lists,
 * structs, ...) give FvError UNSUPPORTED.
 */
export async function readParquet(bytes: Uint8Array, fileName: string): Promise<TableData> {
  let ipc: Uint8Array;
  try {
    ipc = withParquet((pq) => pq.readParquet(bytes, { batchSize: READ_BATCH_ROWS }).intoIPCStream());
  } catch (e) {
    throw new FvError('BAD_INPUT', `${fileName}: not a valid Parquet file (${reason(e)})`, { cause: e });
  }
  try {
    return decodeArrowIpc(ipc, fileName);
  } catch (e) {
    // UNSUPPORTED column types pass through; anything else means parquet-wasm
    // produced something we cannot read, which is still about this file.
    if (isFvError(e) && e.code !== 'BAD_INPUT') throw e;
    throw new FvError('BAD_INPUT', `${fileName}: not a valid Parquet file (${reason(e)})`, { cause: e });
  }
}

/**
 * Serialises `t` as Parquet. The same data always gives the same bytes:
 * the Arrow input is canonical (encodeArrowIpc), and every writer setting
 * that could otherwise drift with library defaults is pinned here, including
 * created_by (which would otherwise embed the parquet-rs version).
 */
export async function writeParquet(t: TableData): Promise<Uint8Array> {
  const ipc = encodeArrowIpc(t, { format: 'stream' });
  try {
    return withParquet((pq) => {
      const props = new pq.WriterPropertiesBuilder()
        .setCreatedBy('fv')
        .setWriterVersion(pq.WriterVersion.V1)
        .setCompression(pq.Compression.ZSTD)
        .setDictionaryEnabled(true)
        .setStatisticsEnabled(pq.EnabledStatistics.Page)
        .setMaxRowGroupSize(1024 * 1024)
        .build();
      return pq.writeParquet(pq.Table.fromIPCStream(ipc), props);
    });
  } catch (e) {
    if (isFvError(e)) throw e;
    // Only reachable on valid input if parquet-wasm itself gives up (e.g. its
    // 4 GiB wasm memory is exhausted); Arrow output has no such limit.
    throw new FvError('UNSUPPORTED', `cannot write this table as Parquet (${reason(e)})`, { cause: e, hint: 'export it in Arrow format instead' });
  }
}
