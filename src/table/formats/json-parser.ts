/**
 * Streaming reader for JSON Lines and for JSON arrays of objects.
 *
 * Each record (a line, or an element of the top-level array: see
 * json-array-scanner.ts) is found at the byte level, the complete records of
 * a chunk are decoded with one fatal TextDecoder call (json-decode.ts), and
 * each record is then parsed from that string by RecordParser
 * (json-record-parser.ts, which also says how values are kept). Memory is
 * bounded by the largest record, never the file: the whole file is never
 * decoded or JSON.parse'd at once.
 */
import { FvError } from '../../errors/FvError.js';
import { ChunkJoiner, withoutBom } from './csv-parser.js';
import { readJsonArray } from './json-array-scanner.js';
import { decodeRange, LF, newDecoder } from './json-decode.js';
import { RecordParser, skipWs } from './json-record-parser.js';
import type { JsonRecord } from './json-record-parser.js';

export type { JsonCell, JsonRecord } from './json-record-parser.js';

export interface JsonParseOptions {
  format: 'jsonl' | 'json';
  /** Used in error messages only. */
  fileName: string;
  /** Records per yielded batch. Default 8192. */
  batchSize?: number;
  /** Maximum nesting depth, the record itself being level 1. Default 64. */
  maxDepth?: number;
}

export async function* parseJsonRecords(source: AsyncIterable<Uint8Array>, opts: JsonParseOptions): AsyncGenerator<JsonRecord[]> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 8192));
  const maxDepth = Math.max(1, Math.floor(opts.maxDepth ?? 64));
  const parser = new RecordParser(opts.fileName, maxDepth);
  if (opts.format === 'jsonl') yield* readJsonLines(withoutBom(source), parser, batchSize);
  else yield* readJsonArray(withoutBom(source), parser, batchSize);
}

// JSON Lines: each line a record.

async function* readJsonLines(source: AsyncIterable<Uint8Array>, p: RecordParser, batchSize: number): AsyncGenerator<JsonRecord[]> {
  const decoder = newDecoder();
  const joiner = new ChunkJoiner();
  let tail: Uint8Array = new Uint8Array(0); // bytes after the last LF seen
  let line = 1; // line of tail[0]
  let out: JsonRecord[] = [];
  let sawRecord = false;

  // Parses the complete lines in s (each ends with '\n', except maybe a final
  // line at end of input) and returns how many lines were consumed.
  const takeLines = (s: string): number => {
    let pos = 0;
    let n = 0;
    while (pos < s.length) {
      let nl = s.indexOf('\n', pos);
      if (nl < 0) nl = s.length;
      // Blank (whitespace-only, including a lone CR) lines are skipped.
      if (skipWs(s, pos, nl) < nl) {
        out.push({ values: p.parseRecord(s, pos, nl, line + n), line: line + n });
        sawRecord = true;
      }
      n++;
      pos = nl + 1;
    }
    return n;
  };

  for await (const chunk of source) {
    const lastLf = chunk.lastIndexOf(LF); // search only the new bytes: O(n) overall
    const buf = joiner.join(tail, chunk);
    if (lastLf < 0) {
      tail = buf;
      continue;
    }
    const end = buf.length - chunk.length + lastLf + 1;
    const s = decodeRange(decoder, buf, 0, end, line, p.file, (at) => {
      const lineStart = at > 0 ? buf.lastIndexOf(LF, at - 1) + 1 : 0;
      if (lineStart > 0) takeLines(decoder.decode(buf.subarray(0, lineStart)));
    });
    tail = buf.subarray(end);
    // Yield in batchSize pieces; a chunk can hold more than one batch.
    line += takeLines(s);
    while (out.length >= batchSize) {
      yield out.slice(0, batchSize);
      out = out.slice(batchSize);
    }
  }
  if (tail.length > 0) {
    const last = tail;
    takeLines(
      decodeRange(decoder, last, 0, last.length, line, p.file, (at) => {
        const lineStart = at > 0 ? last.lastIndexOf(LF, at - 1) + 1 : 0;
        if (lineStart > 0) takeLines(decoder.decode(last.subarray(0, lineStart)));
      }),
    );
  }
  if (!sawRecord) throw new FvError('BAD_INPUT', `${p.file}: file is empty`);
  while (out.length > 0) {
    yield out.slice(0, batchSize);
    out = out.slice(batchSize);
  }
}
