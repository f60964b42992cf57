/**
 * Streaming CSV / TSV parser (RFC 4180 plus what real files contain).
 *
 * Design, for speed and bounded memory:
 * - A resumable byte-level state machine scans each input chunk once. Only the
 *   bytes of the record that is still incomplete at the end of a chunk are
 *   carried over, so memory is bounded by the longest record, never the file.
 * - No string is made per field. The parser yields batches of records as the
 *   records' bytes plus the byte range and kind of every field (CsvBatch):
 *   typed columns are filled straight from those bytes (csv-convert.ts) and
 *   inference reads them too (infer.ts). A JS string per cell was most of the
 *   import's garbage. Strings are made only where one is needed: the header,
 *   fields with doubled quotes, rare value formats, error messages.
 * - The bytes of complete records are checked to be UTF-8 with one native
 *   call per chunk (buffer.isUtf8) before they are copied into the batch, so
 *   every field range of a batch is valid UTF-8 on its own (fields end at
 *   ASCII bytes).
 *
 * Semantics: an unquoted empty field is null, a quoted empty field `""` is
 * the empty string; whitespace is kept; a quote inside an unquoted field is a
 * literal character; LF and CRLF end records (a CR elsewhere is data); a
 * UTF-8 BOM at the start is skipped. Blank lines are skipped wherever they
 * are: that matches what spreadsheet tools write and what users expect, at
 * the price that a single-column file cannot encode a null as an empty line
 * (write `""` for an empty string; a null there needs another format).
 */
import { isUtf8 } from 'node:buffer';
import { FvError } from '../../errors/FvError.js';
import { CsvBatch, FIELD_ESCAPED, FIELD_NULL, FIELD_PLAIN, fieldText } from './csv-batch.js';
import type { CsvBatchRecycler } from './csv-batch.js';

export interface CsvParseOptions {
  /** The delimiter byte: 44 (',') or 9 ('\t'); any ASCII byte other than quote, CR, LF and NUL works. */
  delimiter: number;
  /** Used in error messages only. */
  fileName: string;
  /** Records per yielded batch (the header counts as one). Default 8192. */
  batchSize?: number;
  /** Where the caller gives back the batches it is done with, for the parser to fill again. */
  recycler?: CsvBatchRecycler;
}

const LF = 0x0a;
const CR = 0x0d;
const DQUOTE = 0x22;

// Byte classes of the scanner's lookup tables (one table lookup per byte is
// cheaper than a chain of comparisons in the hot loop).
const C_PLAIN = 0;
const C_DELIM = 1;
const C_LF = 2;
const C_QUOTE = 3;
const C_NUL = 4;

// Scanner states.
const S_FIELD_START = 0;
const S_UNQUOTED = 1;
const S_QUOTED = 2;
const S_QUOTE_SEEN = 3; // a quote inside a quoted field: closing, or the first of `""`
const S_AFTER_CR = 4; // CR after a closing quote: must be followed by LF

function classTable(delimiter: number, quoted: boolean): Uint8Array {
  const t = new Uint8Array(256);
  t[0] = C_NUL;
  t[LF] = C_LF;
  // Inside quotes the delimiter is data and the quote is special; outside
  // (the field-start state handles an opening quote) it is the other way round.
  if (quoted) t[DQUOTE] = C_QUOTE;
  else t[delimiter] = C_DELIM;
  return t;
}

export async function* parseCsv(source: AsyncIterable<Uint8Array>, opts: CsvParseOptions): AsyncGenerator<CsvBatch> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 8192));
  const sc = new CsvScanner(opts.delimiter, opts.fileName, batchSize, opts.recycler);
  const joiner = new ChunkJoiner();
  let buf: Uint8Array = new Uint8Array(0);
  for await (const chunk of withoutBom(source)) {
    const tail = buf.subarray(sc.recStart);
    sc.rebase(buf);
    buf = joiner.join(tail, chunk);
    let i = tail.length;
    while (i < buf.length) {
      i = sc.scan(buf, i, batchSize - sc.rows);
      sc.flush(buf, true);
      if (sc.rows >= batchSize) yield sc.take();
    }
  }
  sc.finish(buf); // adds at most one record, so the batch stays within batchSize
  if (!sc.sawHeader) throw new FvError('BAD_INPUT', `${opts.fileName}: file is empty`);
  if (sc.rows > 0) yield sc.take();
}

function grown(a: Uint8Array, need: number): Uint8Array {
  let n = a.length * 2;
  while (n < need) n *= 2;
  return grownTo(a, n);
}

function grownTo<T extends Uint8Array | Int32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a as never);
  return b;
}

/**
 * The scanner, which also builds the batches it yields. Field positions are
 * written once, already as positions in the batch's bytes: the batch's bytes
 * are the input bytes from the batch's first record on, copied in order
 * (blank lines included), so a position in the buffer plus `delta` is the
 * position in the batch.
 */
class CsvScanner {
  private readonly unq: Uint8Array;
  private readonly quo: Uint8Array;

  // Resumable scan state; positions are in the current buffer.
  private state = S_FIELD_START;
  private line = 1; // physical line of the next byte to scan
  /** Start of the record being scanned. */
  recStart = 0;
  private recLine = 1;
  private fieldStart = 0;
  private escaped = false;
  private quotePos = 0; // the quote that (probably) closes the current field
  private quoteLine = 1; // line of the opening quote of the current field

  // The batch being built. Its bytes are the input from its start up to
  // buffer position `copiedEnd`; a buffer position p is batch position p + delta.
  private bytes: Uint8Array = new Uint8Array(1 << 16);
  private used = 0;
  private delta = 0;
  private copiedEnd = 0;
  // Fields: those of the batch's records [0, batchFields), then those of the
  // pending (complete, not yet flushed) records, then the current record's
  // from curBase to fieldsUsed.
  private starts: Int32Array = new Int32Array(1024);
  private ends: Int32Array = new Int32Array(1024);
  private kinds: Uint8Array = new Uint8Array(1024);
  private batchFields = 0;
  private curBase = 0;
  private fieldsUsed = 0;
  /** Lines of the batch's rows, then of the pending records. */
  private lines: Int32Array;
  rows = 0;
  private pending = 0;
  private pendStart = 0; // byte range of the pending records in the buffer
  private pendEnd = 0;
  private pendStartLine = 0;
  private headerEnd = -1; // end of the header's bytes while it is pending

  private nCols = -1;
  sawHeader = false;

  constructor(
    delimiter: number,
    private readonly file: string,
    batchSize: number,
    private readonly recycler: CsvBatchRecycler | undefined,
  ) {
    if (!Number.isInteger(delimiter) || delimiter <= 0 || delimiter >= 0x80 || delimiter === LF || delimiter === CR || delimiter === DQUOTE) {
      throw new FvError('BAD_USAGE', `invalid CSV delimiter byte ${String(delimiter)}`);
    }
    this.unq = classTable(delimiter, false);
    this.quo = classTable(delimiter, true);
    this.lines = new Int32Array(batchSize);
  }

  /** `buf` is about to be replaced by its tail from `recStart` plus a new chunk (nothing is pending then). */
  rebase(buf: Uint8Array): void {
    const d = this.recStart;
    this.copy(buf, d); // blank lines before the current record
    this.copiedEnd = 0;
    this.delta += d;
    this.fieldStart -= d;
    this.quotePos -= d;
    this.recStart = 0;
  }

  /** Copies buf[copiedEnd, to) into the batch. */
  private copy(buf: Uint8Array, to: number): void {
    const n = to - this.copiedEnd;
    if (n <= 0) return;
    if (this.used + n > this.bytes.length) this.bytes = grown(this.bytes, this.used + n);
    this.bytes.set(buf.subarray(this.copiedEnd, to), this.used);
    this.used += n;
    this.copiedEnd = to;
  }

  /** Adds a field of the current record; start and end are buffer positions. */
  private pushField(start: number, end: number, kind: number): void {
    const k = this.fieldsUsed;
    if (k >= this.kinds.length) {
      this.starts = grownTo(this.starts, k * 2);
      this.ends = grownTo(this.ends, k * 2);
      this.kinds = grownTo(this.kinds, k * 2);
    }
    this.starts[k] = start + this.delta;
    this.ends[k] = end + this.delta;
    this.kinds[k] = kind;
    this.fieldsUsed = k + 1;
  }

  private pushQuoted(end: number): void {
    this.pushField(this.fieldStart, end, this.escaped ? FIELD_ESCAPED : FIELD_PLAIN);
  }

  /**
   * Scans `buf` from `start` until its end or until `limit` complete records
   * are pending; returns the position reached.
   */
  scan(buf: Uint8Array, start: number, limit: number): number {
    const n = buf.length;
    const unq = this.unq;
    const quo = this.quo;
    let i = start;
    let state = this.state;
    let line = this.line;
    let c = 0;

    outer: while (i < n) {
      switch (state) {
        case S_FIELD_START:
          if (buf[i] === DQUOTE) {
            state = S_QUOTED;
            this.escaped = false;
            this.fieldStart = i + 1;
            this.quoteLine = line;
            i++;
            continue;
          }
          state = S_UNQUOTED;
          this.fieldStart = i;
        // falls through: the byte is the first of an unquoted (maybe empty) field
        case S_UNQUOTED:
          while (i < n && (c = unq[buf[i]!]!) === C_PLAIN) i++;
          if (i === n) break outer;
          if (c === C_DELIM) {
            const a = this.fieldStart;
            this.pushField(a, i, a === i ? FIELD_NULL : FIELD_PLAIN);
            state = S_FIELD_START;
            i++;
            continue;
          }
          if (c === C_LF) {
            const a = this.fieldStart;
            const end = i > a && buf[i - 1] === CR ? i - 1 : i;
            this.pushField(a, end, a === end ? FIELD_NULL : FIELD_PLAIN);
            break;
          }
          this.flushForError(buf, i);
          throw this.error(line, 'binary data (NUL byte) in a text file');
        case S_QUOTED:
          for (; i < n; i++) {
            c = quo[buf[i]!]!;
            if (c === C_PLAIN) continue;
            if (c === C_LF) line++;
            else break;
          }
          if (i === n) break outer;
          if (c === C_QUOTE) {
            this.quotePos = i;
            state = S_QUOTE_SEEN;
            i++;
            continue;
          }
          this.flushForError(buf, i);
          throw this.error(line, 'binary data (NUL byte) in a text file');
        case S_QUOTE_SEEN: {
          const b = buf[i]!;
          if (b === DQUOTE) {
            this.escaped = true;
            state = S_QUOTED;
            i++;
            continue;
          }
          if (b === LF) {
            this.pushQuoted(this.quotePos);
            break;
          }
          if (b === CR) {
            state = S_AFTER_CR;
            i++;
            continue;
          }
          if (unq[b] === C_DELIM) {
            this.pushQuoted(this.quotePos);
            state = S_FIELD_START;
            i++;
            continue;
          }
          this.flushForError(buf, i);
          throw this.error(line, b === 0 ? 'binary data (NUL byte) in a text file' : 'unexpected character after closing quote');
        }
        case S_AFTER_CR:
          if (buf[i] === LF) {
            this.pushQuoted(this.quotePos);
            break;
          }
          this.flushForError(buf, i);
          throw this.error(line, buf[i] === 0 ? 'binary data (NUL byte) in a text file' : 'unexpected character after closing quote');
      }
      // Only reached at an LF that ends a record.
      line++;
      this.line = line; // endRecord reports errors with the scanner's state
      this.endRecord(buf, i + 1);
      state = S_FIELD_START;
      i++;
      if (this.pending >= limit) break;
    }

    this.state = state;
    this.line = line;
    return i;
  }

  /** Called at end of input: completes the last record (a final line without newline). */
  finish(buf: Uint8Array): void {
    const n = buf.length;
    switch (this.state) {
      case S_FIELD_START:
        // Nothing after the last LF, or a record ending in a delimiter (empty last field).
        if (this.fieldsUsed === this.curBase) {
          this.flush(buf, true);
          return;
        }
        this.pushField(n, n, FIELD_NULL);
        break;
      case S_UNQUOTED: {
        const a = this.fieldStart;
        const end = n > a && buf[n - 1] === CR ? n - 1 : n;
        this.pushField(a, end, a === end ? FIELD_NULL : FIELD_PLAIN);
        break;
      }
      case S_QUOTED:
        this.flushForError(buf, this.recStart);
        throw this.error(this.quoteLine, `unterminated quoted field starting at line ${this.quoteLine}`);
      default: // closing quote (and maybe a CR) right before the end of input
        this.pushQuoted(this.quotePos);
    }
    this.endRecord(buf, n);
    this.flush(buf, true);
  }

  /** The current record ends; the next starts at `next`. */
  private endRecord(buf: Uint8Array, next: number): void {
    const base = this.curBase;
    const nf = this.fieldsUsed - base;
    if (nf === 1 && this.kinds[base] === FIELD_NULL) {
      this.fieldsUsed = base; // blank line (see the module comment)
    } else {
      if (this.nCols < 0) this.nCols = nf;
      else if (nf !== this.nCols) {
        this.flushForError(buf, this.recStart);
        throw this.error(this.recLine, `expected ${this.nCols} fields, found ${nf}`);
      }
      if (this.pending === 0) {
        this.pendStart = this.recStart;
        this.pendStartLine = this.recLine;
      }
      if (!this.sawHeader && this.headerEnd < 0) this.headerEnd = next;
      this.lines[this.rows + this.pending++] = this.recLine;
      this.pendEnd = next;
      this.curBase = this.fieldsUsed;
    }
    this.recStart = next;
    this.recLine = this.line;
  }

  /**
   * Checks the pending complete records (UTF-8, the header) and adds them to
   * the batch (keep false: drops them, an error follows).
   */
  flush(buf: Uint8Array, keep: boolean): void {
    if (this.pending === 0) return;
    if (!isUtf8(buf.subarray(this.pendStart, this.pendEnd))) {
      const bad = firstInvalidUtf8(buf, this.pendStart, this.pendEnd);
      const at = bad < 0 ? this.pendStart : bad;
      // A bad header before the bad byte is the earlier problem.
      if (!this.sawHeader && this.headerEnd <= at) this.checkHeader(buf);
      throw this.error(this.pendStartLine + countLf(buf, this.pendStart, at), 'invalid UTF-8');
    }
    if (!this.sawHeader) this.checkHeader(buf);
    if (!keep) return;
    this.copy(buf, this.pendEnd);
    this.batchFields = this.curBase;
    this.rows += this.pending;
    this.pending = 0;
  }

  /** The batch built so far; a new one starts with the current record's fields. */
  take(): CsvBatch {
    const f = this.batchFields;
    const used = this.used;
    const b = new CsvBatch(this.bytes.subarray(0, used), this.starts.subarray(0, f), this.ends.subarray(0, f), this.kinds.subarray(0, f), this.lines.subarray(0, this.rows), this.rows, this.nCols);
    // The batch keeps its arrays (a caller may hold several batches); the
    // next one's are those of a batch given back, or new ones at least as
    // large, so they need not grow again.
    const old = this.recycler?.reuse();
    const fresh = <T extends Uint8Array | Int32Array>(was: T, reused: T | undefined): T => (reused !== undefined && reused.length >= was.length ? reused : new (was.constructor as new (n: number) => T)(was.length));
    const starts = fresh(this.starts, old?.starts);
    const ends = fresh(this.ends, old?.ends);
    const kinds = fresh(this.kinds, old?.kinds);
    for (let k = f; k < this.fieldsUsed; k++) {
      starts[k - f] = this.starts[k]! - used;
      ends[k - f] = this.ends[k]! - used;
      kinds[k - f] = this.kinds[k]!;
    }
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
    this.fieldsUsed -= f;
    this.curBase -= f;
    this.batchFields = 0;
    this.bytes = fresh(this.bytes, old?.bytes);
    this.used = 0;
    this.delta -= used;
    this.lines = fresh(this.lines, old?.lines);
    this.rows = 0;
    return b;
  }

  /** Checks the column names of the first pending record, the header. */
  private checkHeader(buf: Uint8Array): void {
    const line = this.lines[this.rows]!;
    const seen = new Set<string>();
    for (let k = 0; k < this.nCols; k++) {
      const f = this.batchFields + k;
      const kind = this.kinds[f]!;
      const a = this.starts[f]! - this.delta;
      const b = this.ends[f]! - this.delta;
      if (kind === FIELD_NULL || a === b) throw this.error(line, `empty column name (column ${k + 1})`);
      const name = fieldText(buf, a, b, kind);
      if (seen.has(name)) throw this.error(line, `duplicate column name ${JSON.stringify(name)}`);
      seen.add(name);
    }
    this.sawHeader = true;
    this.headerEnd = -1;
  }

  /**
   * Before reporting a structural error at byte `pos`, reports a problem that
   * comes earlier in the file (invalid UTF-8, a bad header) instead, so the
   * first problem wins. The error aborts parsing, so the records are dropped.
   */
  private flushForError(buf: Uint8Array, pos: number): void {
    this.flush(buf, false);
    if (pos > this.recStart) {
      const e = this.utf8Error(buf, this.recStart, pos, this.recLine);
      if (e) throw e;
    }
  }

  private utf8Error(buf: Uint8Array, from: number, to: number, fromLine: number): FvError | null {
    const bad = firstInvalidUtf8(buf, from, to);
    if (bad < 0) return null;
    return this.error(fromLine + countLf(buf, from, bad), 'invalid UTF-8');
  }

  private error(line: number, what: string): FvError {
    return new FvError('BAD_INPUT', `${this.file}:${line}: ${what}`);
  }
}

// ---------------------------------------------------------------------------
// Byte helpers shared with the JSON parser (json-parser.ts imports them).

const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Drops a UTF-8 BOM at the start of the stream (even when it is split across
 * chunks) and skips empty chunks, so parsers need not care about either.
 */
export async function* withoutBom(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Uint8Array | null = new Uint8Array(0); // null once the start is decided
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    if (head === null) {
      yield chunk;
      continue;
    }
    const joined: Uint8Array = head.length === 0 ? chunk : concatBytes(head, chunk);
    let k = 0;
    while (k < joined.length && k < 3 && joined[k] === BOM[k]) k++;
    if (k === joined.length && k < 3) {
      head = joined; // could still become a BOM: wait for more bytes
      continue;
    }
    head = null;
    const rest = k === 3 ? joined.subarray(3) : joined;
    if (rest.length > 0) yield rest;
  }
  // A stream shorter than a BOM that looked like its start is just data.
  if (head !== null && head.length > 0) yield head;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
}

/**
 * Joins the unconsumed tail of the previous buffer with the next chunk. The
 * store grows by doubling and is reused, so a record spanning many chunks
 * costs amortised O(its size), not O(size^2).
 */
export class ChunkJoiner {
  private store = new Uint8Array(0);

  join(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
    if (tail.length === 0) return chunk; // common case: no copy at all
    const need = tail.length + chunk.length;
    if (this.store.length < need) {
      const grown = new Uint8Array(Math.max(need, this.store.length * 2, 1 << 16));
      grown.set(tail, 0);
      this.store = grown;
    } else if (tail.buffer === this.store.buffer) {
      const from = tail.byteOffset - this.store.byteOffset;
      this.store.copyWithin(0, from, from + tail.length);
    } else {
      this.store.set(tail, 0);
    }
    this.store.set(chunk, tail.length);
    return this.store.subarray(0, need);
  }
}

/** Number of LF bytes in `buf[from, to)`. */
export function countLf(buf: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf(LF, from); i >= 0 && i < to; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

/**
 * Index of the first byte of the first invalid UTF-8 sequence in
 * `buf[from, to)` (a sequence cut off by `to` counts as invalid), or -1.
 * Only used to locate an error after a fatal TextDecoder has thrown.
 */
export function firstInvalidUtf8(buf: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) (need = 2), (lo = 0xa0);
    else if (b === 0xed) (need = 2), (hi = 0x9f); // no UTF-16 surrogates
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) (need = 3), (lo = 0x90);
    else if (b === 0xf4) (need = 3), (hi = 0x8f); // nothing above U+10FFFF
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= to) return i;
      const c = buf[i + k]!;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}
