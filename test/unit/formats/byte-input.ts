/** Byte-stream helpers shared by the parser tests: input split at chosen places. */
import type { CsvBatch } from '../../../src/table/formats/csv-batch.js';
import { parseCsv } from '../../../src/table/formats/csv-parser.js';

const enc = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** Raw bytes written as a latin1 string ('\xff' is the byte 0xff). */
export function raw(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

export async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

/** `data` cut at the given offsets. */
export function split(data: Uint8Array, ...at: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...at, data.length]) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  return out;
}

/** `data` in pieces of `size` bytes. */
export function chunksOf(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** The batches parseCsv gives for a CSV text (header first), read in chunks of `chunkSize` bytes. */
export async function batchesOf(text: string, chunkSize: number, batchSize: number): Promise<CsvBatch[]> {
  const out: CsvBatch[] = [];
  for await (const b of parseCsv(fromChunks(chunksOf(utf8(text), chunkSize)), { delimiter: 44, fileName: 't.csv', batchSize })) out.push(b);
  return out;
}
