/**
 * Decoding the complete records of a chunk with one fatal TextDecoder call,
 * shared by the JSON Lines and JSON array readers.
 */
import { TextDecoder } from 'node:util';
import { FvError } from '../../errors/FvError.js';
import { countLf, firstInvalidUtf8 } from './csv-parser.js';

export const LF = 0x0a;

export function newDecoder(): TextDecoder {
  // ignoreBOM: a U+FEFF inside the data is data; the file's BOM is dropped by withoutBom.
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

/**
 * Decodes buf[from, to). On invalid UTF-8, calls `before(at)` with the
 * position of the bad byte so the caller can first parse the records that
 * precede it (an error there is the earlier problem), then throws.
 */
export function decodeRange(decoder: TextDecoder, buf: Uint8Array, from: number, to: number, fromLine: number, file: string, before: (at: number) => void): string {
  try {
    return decoder.decode(buf.subarray(from, to));
  } catch {
    const bad = firstInvalidUtf8(buf, from, to);
    const at = bad < 0 ? from : bad;
    before(at);
    throw new FvError('BAD_INPUT', `${file}:${fromLine + countLf(buf, from, at)}: invalid UTF-8`);
  }
}
