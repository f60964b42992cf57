/**
 * The parquet-wasm module (arrow-rs compiled to WebAssembly) and the one
 * pinned configuration fv writes Parquet with. Kept apart from parquet.ts,
 * which converts between fv tables and Arrow, so that fv build's helper
 * thread (features/build-helper-worker.ts) can write Parquet from Arrow IPC
 * bytes without loading apache-arrow.
 */
import { createRequire } from 'node:module';

export type ParquetWasm = typeof import('parquet-wasm');

// The package's Node build is CommonJS that compiles its ~5 MB wasm module
// synchronously when first required. It is loaded lazily (most fv commands
// never touch Parquet) with require, which resolves the same way from src/
// under vitest and from the compiled dist/, and which lets a broken instance
// be dropped: see withParquet.
const requireFromHere = createRequire(import.meta.url);
let cached: ParquetWasm | null = null;

export function loadParquetWasm(): ParquetWasm {
  if (cached === null) cached = requireFromHere('parquet-wasm') as ParquetWasm;
  return cached;
}

/**
 * Runs `fn` with the wasm module. A Rust panic inside wasm surfaces as a
 * WebAssembly.RuntimeError ("unreachable") and may leave the instance's
 * memory or allocator in a half-updated state, so after one the instance is
 * discarded and the next call instantiates a fresh one.
 */
export function withParquet<T>(fn: (pq: ParquetWasm) => T): T {
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
export function isWasmTrap(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === 'RuntimeError';
}

/** Key-value metadata naming the columns that were timestamp[s] before being written as milliseconds. */
export const SECONDS_KEY = 'fv.seconds';

/**
 * Parquet bytes of an Arrow IPC stream (canonical, as encodeColumnarIpc
 * writes it) whose columns `seconds` were timestamp[s]. Every writer
 * setting that could otherwise drift with library defaults is pinned here,
 * including created_by (which would otherwise embed the parquet-rs version).
 * Throws what parquet-wasm throws.
 */
export function parquetFromIpcStream(ipc: Uint8Array, seconds: string[]): Uint8Array {
  return withParquet((pq) => {
    // Builder methods consume the builder (wasm ownership): always keep the returned one.
    let props = new pq.WriterPropertiesBuilder()
      .setCreatedBy('fv')
      .setWriterVersion(pq.WriterVersion.V1)
      .setCompression(pq.Compression.ZSTD)
      .setDictionaryEnabled(true)
      .setStatisticsEnabled(pq.EnabledStatistics.Page)
      .setMaxRowGroupSize(1024 * 1024);
    if (seconds.length > 0) props = props.setKeyValueMetadata(new Map([[SECONDS_KEY, JSON.stringify(seconds)]]));
    return pq.writeParquet(pq.Table.fromIPCStream(ipc), props.build());
  });
}
