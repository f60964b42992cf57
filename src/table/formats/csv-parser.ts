/**
 * Streaming CSV / TSV parser (RFC 4180 plus what real files contain).
 *
 * Design, for speed and bounded memory:
 * - A resumable byte-level state machine scans each input chunk once. Only the
 *   bytes of the record that is still incomplete at the end of a chunk are
 *   carried over, so memory is bounded by the longest record, never the file.
 * - Fields are not decoded one by one (a TextDecoder call per field would cost
 *   more than the scan). Instead all complete records of a chunk are decoded
 *   with one fatal TextDecoder call and fields are cut out with `slice`. To
 *   map byte positions to string positions the scanner keeps a running
 *   correction that changes only on non-ASCII bytes: for valid UTF-8 every
 *   continuation byte adds no UTF-16 unit and every 4-byte lead adds two. If
 *   the bytes are not valid UTF-8 the decode throws and the mapping is never
 *   used.
 * - Field slices of the decoded chunk string may keep that string (about one
 *   input chunk) alive while a caller holds the values; that is bounded and
 *   much cheaper than copying every field.
 *
 * Semantics: an unquoted empty field is null, a quoted empty field `""` is
 * the empty string; whitespace is kept; a quote inside an unquoted field is a
 * literal character; LF and CRLF end records (a CR elsewhere is data); a
 * UTF-8 BOM at the start is skipped. Blank lines are skipped wherever they
 * are: that matches what spreadsheet tools write and what users expect, at
 * the price that a single-column file cannot encode a null as an empty line
 * (write `""` for an empty string; a null there needs another format).
 */
import { FvError } from '../../errors/FvError.js';

export interface CsvRecord {
  fields: (string | null)[];
  /** Physical (1-based) line of the file on which the record starts. */
  line: number;
}

export interface CsvParseOptions {
  /** The delimiter byte: 44 (',') or 9 ('\t'); any ASCII byte other than quote, CR, LF and NUL works. */
  delimiter: number;
  /** Used in error messages only. */
  fileName: string;
  /** Records per yielded batch (the header counts as one). Default 8192. */
  batchSize?: number;
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
const C_CONT = 5; // UTF-8 continuation byte: contributes no UTF-16 unit
const C_LEAD4 = 6; // lead byte of a 4-byte sequence: contributes two UTF-16 units

// Scanner states.
const S_FIELD_START = 0;
const S_UNQUOTED = 1;
const S_QUOTED = 2;
const S_QUOTE_SEEN = 3; // a quote inside a quoted field: closing, or the first of `""`
const S_AFTER_CR = 4; // CR after a closing quote: must be followed by LF

// How a field's text is turned into its value.
const K_UNQUOTED = 0; // empty -> null
const K_QUOTED = 1; // empty -> ""
const K_ESCAPED = 2; // quoted and contains `""`

function classTable(delimiter: number, quoted: boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0x80; b < 0xc0; b++) t[b] = C_CONT;
  for (let b = 0xf0; b < 0x100; b++) t[b] = C_LEAD4;
  t[0] = C_NUL;
  t[LF] = C_LF;
  // Inside quotes the delimiter is data and the quote is special; outside
  // (the field-start state handles an opening quote) it is the other way round.
  if (quoted) t[DQUOTE] = C_QUOTE;
  else t[delimiter] = C_DELIM;
  return t;
}

export async function* parseCsv(source: AsyncIterable<Uint8Array>, opts: CsvParseOptions): AsyncGenerator<CsvRecord[]> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 8192));
  const sc = new CsvScanner(opts.delimiter, opts.fileName);
  const joiner = new ChunkJoiner();
  let buf: Uint8Array = new Uint8Array(0);
  let out: CsvRecord[] = [];
  for await (const chunk of withoutBom(source)) {
    const tail = buf.subarray(sc.recStart);
    sc.rebase();
    buf = joiner.join(tail, chunk);
    let i = tail.length;
    while (i < buf.length) {
      i = sc.scan(buf, i, batchSize - out.length);
      sc.flush(buf, out);
      if (out.length >= batchSize) {
        yield out;
        out = [];
      }
    }
  }
  sc.finish(buf, out); // adds at most one record, so `out` stays within batchSize
  if (!sc.sawHeader) throw new FvError('BAD_INPUT', `${opts.fileName}: file is empty`);
  if (out.length > 0) yield out;
}

class CsvScanner {
  private readonly unq: Uint8Array;
  private readonly quo: Uint8Array;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  // Resumable scan state. Positions in `buf` are relative to the current
  // buffer; "U" values are stream-wide UTF-16 offsets, U(i) = off + i.
  private state = S_FIELD_START;
  private line = 1; // physical line of the next byte to scan
  private off = 0;
  /** Start (in the current buffer) of the record being scanned. */
  recStart = 0;
  private recStartU = 0;
  private recLine = 1;
  private fieldStartU = 0;
  private kind = K_UNQUOTED;
  private quoteU = 0; // U of the quote that (probably) closes the current field
  private quoteLine = 1; // line of the opening quote of the current field

  // Complete records waiting to be decoded, followed by the fields of the
  // current record. Fields are triples [startU, endU, kind].
  private fields: number[] = [];
  private curBase = 0; // index in `fields` where the current record starts
  private recEnds: number[] = [];
  private recLines: number[] = [];
  private recByteEnds: number[] = []; // only needed to order errors, see flush()
  private pendStart = 0; // byte range of the pending records in the buffer
  private pendEnd = 0;
  private pendStartU = 0;
  private pendStartLine = 0;

  private nCols = -1;
  sawHeader = false;

  constructor(
    delimiter: number,
    private readonly file: string,
  ) {
    if (!Number.isInteger(delimiter) || delimiter <= 0 || delimiter >= 0x80 || delimiter === LF || delimiter === CR || delimiter === DQUOTE) {
      throw new FvError('BAD_USAGE', `invalid CSV delimiter byte ${String(delimiter)}`);
    }
    this.unq = classTable(delimiter, false);
    this.quo = classTable(delimiter, true);
  }

  /** The buffer is about to be replaced by its tail from `recStart` plus a new chunk. */
  rebase(): void {
    this.off += this.recStart;
    this.recStart = 0;
  }

  /**
   * Scans `buf` from `start` until its end or until `limit` complete records
   * are pending; returns the position reached.
   */
  scan(buf: Uint8Array, start: number, limit: number): number {
    const n = buf.length;
    const unq = this.unq;
    const quo = this.quo;
    const fields = this.fields;
    let i = start;
    let state = this.state;
    let off = this.off;
    let line = this.line;
    let fieldStartU = this.fieldStartU;
    let kind = this.kind;
    let quoteU = this.quoteU;
    let c = 0;

    outer: while (i < n) {
      switch (state) {
        case S_FIELD_START:
          if (buf[i] === DQUOTE) {
            state = S_QUOTED;
            kind = K_QUOTED;
            fieldStartU = off + i + 1;
            this.quoteLine = line;
            i++;
            continue;
          }
          state = S_UNQUOTED;
          kind = K_UNQUOTED;
          fieldStartU = off + i;
        // falls through: the byte is the first of an unquoted (maybe empty) field
        case S_UNQUOTED:
          for (; i < n; i++) {
            c = unq[buf[i]!]!;
            if (c === C_PLAIN) continue;
            if (c === C_CONT) off--;
            else if (c === C_LEAD4) off++;
            else break;
          }
          if (i === n) break outer;
          if (c === C_DELIM) {
            fields.push(fieldStartU, off + i, K_UNQUOTED);
            state = S_FIELD_START;
            i++;
            continue;
          }
          if (c === C_LF) {
            let endU = off + i;
            if (endU > fieldStartU && buf[i - 1] === CR) endU--;
            fields.push(fieldStartU, endU, K_UNQUOTED);
            break;
          }
          this.flushForError(buf, i);
          throw this.error(line, 'binary data (NUL byte) in a text file');
        case S_QUOTED:
          for (; i < n; i++) {
            c = quo[buf[i]!]!;
            if (c === C_PLAIN) continue;
            if (c === C_CONT) off--;
            else if (c === C_LEAD4) off++;
            else if (c === C_LF) line++;
            else break;
          }
          if (i === n) break outer;
          if (c === C_QUOTE) {
            quoteU = off + i;
            state = S_QUOTE_SEEN;
            i++;
            continue;
          }
          this.flushForError(buf, i);
          throw this.error(line, 'binary data (NUL byte) in a text file');
        case S_QUOTE_SEEN: {
          const b = buf[i]!;
          if (b === DQUOTE) {
            kind = K_ESCAPED;
            state = S_QUOTED;
            i++;
            continue;
          }
          if (b === LF) {
            fields.push(fieldStartU, quoteU, kind);
            break;
          }
          if (b === CR) {
            state = S_AFTER_CR;
            i++;
            continue;
          }
          if (unq[b] === C_DELIM) {
            fields.push(fieldStartU, quoteU, kind);
            state = S_FIELD_START;
            i++;
            continue;
          }
          this.flushForError(buf, i);
          throw this.error(line, b === 0 ? 'binary data (NUL byte) in a text file' : 'unexpected character after closing quote');
        }
        case S_AFTER_CR:
          if (buf[i] === LF) {
            fields.push(fieldStartU, quoteU, kind);
            break;
          }
          this.flushForError(buf, i);
          throw this.error(line, buf[i] === 0 ? 'binary data (NUL byte) in a text file' : 'unexpected character after closing quote');
      }
      // Only reached at an LF that ends a record.
      line++;
      this.line = line; // endRecord reports errors with the scanner's state
      this.endRecord(buf, i, i + 1, off + i + 1);
      state = S_FIELD_START;
      i++;
      if (this.recEnds.length >= limit) break;
    }

    this.state = state;
    this.off = off;
    this.line = line;
    this.fieldStartU = fieldStartU;
    this.kind = kind;
    this.quoteU = quoteU;
    return i;
  }

  /** Called at end of input: completes the last record (a final line without newline). */
  finish(buf: Uint8Array, out: CsvRecord[]): void {
    const n = buf.length;
    const endU = this.off + n;
    switch (this.state) {
      case S_FIELD_START:
        // Nothing after the last LF, or a record ending in a delimiter (empty last field).
        if (this.fields.length === this.curBase) {
          this.flush(buf, out);
          return;
        }
        this.fields.push(endU, endU, K_UNQUOTED);
        break;
      case S_UNQUOTED: {
        let e = endU;
        if (e > this.fieldStartU && buf[n - 1] === CR) e--;
        this.fields.push(this.fieldStartU, e, K_UNQUOTED);
        break;
      }
      case S_QUOTED:
        this.flushForError(buf, this.recStart);
        throw this.error(this.quoteLine, `unterminated quoted field starting at line ${this.quoteLine}`);
      default: // closing quote (and maybe a CR) right before the end of input
        this.fields.push(this.fieldStartU, this.quoteU, this.kind);
    }
    this.endRecord(buf, n, n, endU);
    this.flush(buf, out);
  }

  private endRecord(buf: Uint8Array, at: number, next: number, nextU: number): void {
    const fields = this.fields;
    const base = this.curBase;
    const nf = (fields.length - base) / 3;
    if (nf === 1 && fields[base + 2] === K_UNQUOTED && fields[base] === fields[base + 1]) {
      fields.length = base; // blank line (see the module comment)
    } else {
      if (this.nCols < 0) this.nCols = nf;
      else if (nf !== this.nCols) {
        this.flushForError(buf, this.recStart);
        throw this.error(this.recLine, `expected ${this.nCols} fields, found ${nf}`);
      }
      if (this.recEnds.length === 0) {
        this.pendStart = this.recStart;
        this.pendStartU = this.recStartU;
        this.pendStartLine = this.recLine;
      }
      this.recEnds.push(fields.length);
      this.recLines.push(this.recLine);
      this.pendEnd = Math.min(at + 1, buf.length);
      this.recByteEnds.push(this.pendEnd);
      this.curBase = fields.length;
    }
    this.recStart = next;
    this.recStartU = nextU;
    this.recLine = this.line;
  }

  /** Decodes the pending complete records and appends them to `out`. */
  flush(buf: Uint8Array, out: CsvRecord[]): void {
    const recEnds = this.recEnds;
    if (recEnds.length === 0) return;
    let s: string;
    try {
      s = this.decoder.decode(buf.subarray(this.pendStart, this.pendEnd));
    } catch {
      const bad = firstInvalidUtf8(buf, this.pendStart, this.pendEnd);
      const at = bad < 0 ? this.pendStart : bad;
      // The records before the bad byte come first in the file (a bad header
      // there is the earlier problem), so check them before reporting it.
      let k = 0;
      while (k < this.recByteEnds.length && this.recByteEnds[k]! <= at) k++;
      if (k > 0) this.materialize(this.decoder.decode(buf.subarray(this.pendStart, this.recByteEnds[k - 1]!)), k, []);
      throw this.error(this.pendStartLine + countLf(buf, this.pendStart, at), 'invalid UTF-8');
    }
    const f = this.materialize(s, recEnds.length, out);
    // Keep only the fields of the record still being scanned (copyWithin:
    // splice would allocate an array of everything removed).
    const fields = this.fields;
    fields.copyWithin(0, f);
    fields.length -= f;
    this.curBase -= f;
    recEnds.length = 0;
    this.recLines.length = 0;
    this.recByteEnds.length = 0;
  }

  /**
   * Turns the first `count` pending records into CsvRecords, `s` being the
   * decoded text from their start; returns the number of `fields` entries used.
   */
  private materialize(s: string, count: number, out: CsvRecord[]): number {
    const fields = this.fields;
    const recEnds = this.recEnds;
    const base = this.pendStartU;
    let f = 0;
    for (let r = 0; r < count; r++) {
      const end = recEnds[r]!;
      // Exact-size array: less garbage than growing one with push.
      const vals = new Array<string | null>((end - f) / 3);
      for (let v = 0; f < end; f += 3, v++) {
        const a = fields[f]! - base;
        const b = fields[f + 1]! - base;
        const k = fields[f + 2]!;
        if (k === K_UNQUOTED) vals[v] = a === b ? null : s.slice(a, b);
        else if (k === K_QUOTED) vals[v] = s.slice(a, b);
        else vals[v] = s.slice(a, b).replaceAll('""', '"');
      }
      const line = this.recLines[r]!;
      if (!this.sawHeader) this.checkHeader(vals, line);
      out.push({ fields: vals, line });
    }
    return f;
  }

  private checkHeader(names: (string | null)[], line: number): void {
    const seen = new Set<string>();
    for (let k = 0; k < names.length; k++) {
      const name = names[k];
      if (name === null || name === undefined || name === '') throw this.error(line, `empty column name (column ${k + 1})`);
      if (seen.has(name)) throw this.error(line, `duplicate column name ${JSON.stringify(name)}`);
      seen.add(name);
    }
    this.sawHeader = true;
  }

  /**
   * Before reporting a structural error at byte `pos`, reports a problem that
   * comes earlier in the file (invalid UTF-8, a bad header) instead, so the
   * first problem wins. The error aborts parsing, so the records are dropped.
   */
  private flushForError(buf: Uint8Array, pos: number): void {
    this.flush(buf, []);
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
