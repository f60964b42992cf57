/**
 * Streaming reader for JSON Lines and for JSON arrays of objects.
 *
 * Each record (a line, or an element of the top-level array) is found at the
 * byte level, the complete records of a chunk are decoded with one fatal
 * TextDecoder call, and each record is then parsed from that string by a
 * small non-recursive parser. Memory is bounded by the largest record, never
 * the file: the whole file is never decoded or JSON.parse'd at once.
 *
 * Values keep what JSON.parse would lose: numbers stay as their source text
 * (int64 beyond 2^53 and exact decimals survive), and nested objects/arrays
 * become canonical JSON text (no insignificant whitespace, object keys sorted
 * by UTF-16 code units like fast-json-stable-stringify, strings re-escaped the
 * way JSON.stringify does) with the number literals preserved, so equal
 * values compare equal as text.
 *
 * Depth: the record object is level 1, a value nested directly in it level 2,
 * and so on; more than `maxDepth` levels is an error. Nothing recurses, so
 * hostile nesting cannot exhaust the stack.
 */
import { TextDecoder } from 'node:util';
import { FvError } from '../../errors/FvError.js';
import { ChunkJoiner, countLf, firstInvalidUtf8, withoutBom } from './csv-parser.js';

export type JsonCell = null | boolean | string | { num: string } | { nested: string };

export interface JsonRecord {
  /** The record's keys in source order. */
  values: Map<string, JsonCell>;
  /** Physical (1-based) line on which the record starts. */
  line: number;
}

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

const LF = 0x0a;

function newDecoder(): TextDecoder {
  // ignoreBOM: a U+FEFF inside the data is data; the file's BOM is dropped by withoutBom.
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

/**
 * Decodes buf[from, to). On invalid UTF-8, calls `before(at)` with the
 * position of the bad byte so the caller can first parse the records that
 * precede it (an error there is the earlier problem), then throws.
 */
function decodeRange(decoder: TextDecoder, buf: Uint8Array, from: number, to: number, fromLine: number, file: string, before: (at: number) => void): string {
  try {
    return decoder.decode(buf.subarray(from, to));
  } catch {
    const bad = firstInvalidUtf8(buf, from, to);
    const at = bad < 0 ? from : bad;
    before(at);
    throw new FvError('BAD_INPUT', `${file}:${fromLine + countLf(buf, from, at)}: invalid UTF-8`);
  }
}

// ---------------------------------------------------------------------------
// JSON Lines

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

// ---------------------------------------------------------------------------
// JSON array of objects: a resumable byte scanner finds the elements of the
// top-level array; each complete element is then parsed by RecordParser.

// Where the scanner is in the top-level array.
const T_BEFORE = 0; // before '['
const T_FIRST = 1; // after '[': an element or ']'
const T_SEP = 2; // after an element: ',' or ']'
const T_NEXT = 3; // after ',': an element
const T_IN = 4; // inside an element
const T_DONE = 5; // after ']': only whitespace

// Byte classes inside an element.
const J_PLAIN = 0;
const J_QUOTE = 1;
const J_BSLASH = 2;
const J_OPEN = 3;
const J_CLOSE = 4;
const J_LF = 5;
const J_CONT = 6; // UTF-8 continuation byte: no UTF-16 unit
const J_LEAD4 = 7; // 4-byte lead: two UTF-16 units

const ELEMENT_CLASSES: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let b = 0x80; b < 0xc0; b++) t[b] = J_CONT;
  for (let b = 0xf0; b < 0x100; b++) t[b] = J_LEAD4;
  t[0x22] = J_QUOTE;
  t[0x5c] = J_BSLASH;
  t[0x7b] = J_OPEN;
  t[0x5b] = J_OPEN;
  t[0x7d] = J_CLOSE;
  t[0x5d] = J_CLOSE;
  t[LF] = J_LF;
  return t;
})();

async function* readJsonArray(source: AsyncIterable<Uint8Array>, p: RecordParser, batchSize: number): AsyncGenerator<JsonRecord[]> {
  const sc = new ArrayScanner(p);
  const joiner = new ChunkJoiner();
  let buf: Uint8Array = new Uint8Array(0);
  let out: JsonRecord[] = [];
  for await (const chunk of source) {
    const tail = buf.subarray(sc.keepFrom(buf.length));
    sc.rebase(buf.length - tail.length);
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
  sc.finish(buf, out);
  if (out.length > 0) yield out;
}

class ArrayScanner {
  private readonly decoder = newDecoder();
  private top = T_BEFORE;
  private line = 1; // line of the next byte to scan
  private off = 0; // stream-wide UTF-16 offset of byte i is off + i
  // Current element.
  private elemStart = 0;
  private elemStartU = 0;
  private elemLine = 0;
  private depth = 0;
  private inStr = false;
  private esc = false;
  private scalar = false;
  // Complete elements not yet parsed: [startU, endU, line, byte end] for
  // each, all inside the byte range [pendStart, pendEnd) of the buffer.
  private pend: number[] = [];
  private pendStart = 0;
  private pendEnd = 0;
  private pendStartU = 0;

  constructor(private readonly p: RecordParser) {}

  /** Where the bytes still needed start: the open element, else nothing. */
  keepFrom(n: number): number {
    return this.top === T_IN ? this.elemStart : n;
  }

  rebase(dropped: number): void {
    this.off += dropped;
    this.elemStart -= dropped;
  }

  scan(buf: Uint8Array, start: number, limit: number): number {
    const n = buf.length;
    const cls = ELEMENT_CLASSES;
    let i = start;
    let off = this.off;
    let line = this.line;
    while (i < n) {
      if (this.top === T_IN) {
        let ended = false;
        if (this.scalar) {
          // number or literal: ends at whitespace, ',' or ']' (RecordParser validates it)
          for (; i < n; i++) {
            const b = buf[i]!;
            if (b === 0x2c || b === 0x5d || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) {
              ended = true;
              break;
            }
            const c = cls[b]!;
            if (c === J_CONT) off--;
            else if (c === J_LEAD4) off++;
          }
        } else {
          let depth = this.depth;
          let inStr = this.inStr;
          let esc = this.esc;
          for (; i < n; i++) {
            const c = cls[buf[i]!]!;
            if (c === J_PLAIN) {
              esc = false;
              continue;
            }
            if (c === J_CONT || c === J_LEAD4) {
              off += c === J_CONT ? -1 : 1;
              esc = false;
              continue;
            }
            if (c === J_LF) {
              line++;
              esc = false;
              continue;
            }
            if (inStr) {
              if (esc) esc = false;
              else if (c === J_BSLASH) esc = true;
              else if (c === J_QUOTE) {
                inStr = false;
                if (depth === 0) {
                  i++; // a string element ends with its closing quote
                  ended = true;
                  break;
                }
              }
            } else if (c === J_QUOTE) inStr = true;
            else if (c === J_OPEN) {
              // Checked here too so a hostile file cannot make us buffer it whole.
              if (++depth > this.p.maxDepth) {
                this.line = line;
                this.fail(buf, i, `nesting deeper than ${this.p.maxDepth} levels`);
              }
            } else if (c === J_CLOSE && --depth === 0) {
              i++;
              ended = true;
              break;
            }
          }
          this.depth = depth;
          this.inStr = inStr;
          this.esc = esc;
        }
        if (!ended) break;
        this.addElement(i, off + i);
        this.top = T_SEP;
        if (this.pend.length / 4 >= limit) break;
        continue;
      }

      const b = buf[i]!;
      if (b === 0x20 || b === 0x09 || b === 0x0d) {
        i++;
        continue;
      }
      if (b === LF) {
        line++;
        i++;
        continue;
      }
      this.line = line;
      switch (this.top) {
        case T_BEFORE:
          if (b !== 0x5b) this.fail(buf, i, `expected a JSON array of objects at the top level, found ${describeStart(b)}`);
          this.top = T_FIRST;
          i++;
          continue;
        case T_SEP:
          if (b === 0x2c) this.top = T_NEXT;
          else if (b === 0x5d) this.top = T_DONE;
          else this.fail(buf, i, `JSON syntax error: expected ',' or ']' after an array element, found ${describeByte(b)}`);
          i++;
          continue;
        case T_DONE:
          this.fail(buf, i, `JSON syntax error: unexpected ${describeByte(b)} after the top-level array`);
          break;
        default: // T_FIRST or T_NEXT: an element starts here (or the array ends)
          if (b === 0x5d) {
            if (this.top === T_NEXT) this.fail(buf, i, `JSON syntax error: trailing comma before ']'`);
            this.top = T_DONE;
            i++;
            continue;
          }
          if (b === 0x2c) this.fail(buf, i, `JSON syntax error: unexpected ','`);
          this.top = T_IN;
          this.elemStart = i;
          this.elemStartU = off + i;
          this.elemLine = line;
          this.depth = b === 0x7b || b === 0x5b ? 1 : 0;
          this.inStr = b === 0x22;
          this.esc = false;
          this.scalar = this.depth === 0 && !this.inStr;
          if (!this.scalar) i++; // the scalar loop must see (and count) its first byte
      }
    }
    this.off = off;
    this.line = line;
    return i;
  }

  private addElement(end: number, endU: number): void {
    if (this.pend.length === 0) {
      this.pendStart = this.elemStart;
      this.pendStartU = this.elemStartU;
    }
    this.pend.push(this.elemStartU, endU, this.elemLine, end);
    this.pendEnd = end;
  }

  /** Parses the pending complete elements and appends them to `out`. */
  flush(buf: Uint8Array, out: JsonRecord[]): void {
    const pend = this.pend;
    if (pend.length === 0) return;
    const s = decodeRange(this.decoder, buf, this.pendStart, this.pendEnd, pend[2]!, this.p.file, (at) => {
      let k = 0;
      while (k < pend.length && pend[k + 3]! <= at) k += 4;
      if (k > 0) this.parse(this.decoder.decode(buf.subarray(this.pendStart, pend[k - 1]!)), k, []);
    });
    this.parse(s, pend.length, out);
    pend.length = 0;
  }

  /** Parses the pending elements in pend[0, count), `s` being the text decoded from their start. */
  private parse(s: string, count: number, out: JsonRecord[]): void {
    const pend = this.pend;
    const base = this.pendStartU;
    for (let k = 0; k < count; k += 4) {
      const line = pend[k + 2]!;
      out.push({ values: this.p.parseRecord(s, pend[k]! - base, pend[k + 1]! - base, line), line });
    }
  }

  finish(buf: Uint8Array, out: JsonRecord[]): void {
    if (this.top === T_IN && this.scalar) {
      // A number or literal right at the end of input still gets its own (better) error.
      this.addElement(buf.length, this.off + buf.length);
      this.top = T_SEP;
    }
    this.flush(buf, out);
    if (this.top === T_BEFORE) throw new FvError('BAD_INPUT', `${this.p.file}: file is empty`);
    if (this.top !== T_DONE) {
      const what = this.top === T_IN ? `unexpected end of input in the element starting at line ${this.elemLine}` : `unexpected end of input: the top-level array is not closed`;
      throw new FvError('BAD_INPUT', `${this.p.file}:${this.line}: JSON syntax error: ${what}`);
    }
  }

  /** Reports an error at byte i, unless an earlier element has one of its own. */
  private fail(buf: Uint8Array, i: number, what: string): never {
    this.flush(buf, []);
    const from = this.top === T_IN ? this.elemStart : i;
    const bad = firstInvalidUtf8(buf, from, i);
    if (bad >= 0) throw new FvError('BAD_INPUT', `${this.p.file}:${this.elemLine + countLf(buf, from, bad)}: invalid UTF-8`);
    throw new FvError('BAD_INPUT', `${this.p.file}:${this.line}: ${what}`);
  }
}

// ---------------------------------------------------------------------------
// Parsing one record from a decoded string.

function skipWs(s: string, i: number, end: number): number {
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
  }
  return i;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function describeChar(c: number): string {
  if (c < 0) return 'end of input';
  if (c > 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

function describeByte(b: number): string {
  return b < 0x80 ? describeChar(b) : 'non-ASCII character';
}

/** What kind of JSON value starts with byte/char c, for "expected ..., found X". */
function describeStart(c: number): string {
  if (c === 0x7b) return 'object';
  if (c === 0x5b) return 'array';
  if (c === 0x22) return 'string';
  if (c === 0x2d || isDigit(c)) return 'number';
  if (c === 0x74 || c === 0x66) return 'boolean';
  if (c === 0x6e) return 'null';
  return c < 0x80 ? describeChar(c) : 'non-ASCII character';
}

/** An open object or array while parsing a nested value. */
interface Frame {
  obj: boolean;
  /** Arrays: the canonical text so far (built as we go, no per-item array). */
  text: string;
  // Objects: decoded keys, their canonical JSON text and the values' text, in
  // source order; sorted when the object closes (unless already in order).
  keys: string[];
  rawKeys: string[];
  items: string[];
  sorted: boolean;
  seen: Set<string> | null; // built only for large objects (see key())
}

const LITERALS = ['true', 'false', 'null'] as const;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const SIMPLE_ESCAPES = new Set([0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]); // " \ / b f n r t

class RecordParser {
  // The record being parsed: s[start, end), starting on line `line0`.
  private s = '';
  private start = 0;
  private end = 0;
  private line0 = 1;
  /** Position after the last value parsed by string()/number()/scalarText()/nested(). */
  private pos = 0;
  /** Canonical JSON text of the last string parsed. */
  private raw = '';
  /** Whether the last string parsed had escapes (only then can it hold a lone surrogate). */
  private lastEscaped = false;

  constructor(
    readonly file: string,
    readonly maxDepth: number,
  ) {}

  parseRecord(s: string, start: number, end: number, line: number): Map<string, JsonCell> {
    this.s = s;
    this.start = start;
    this.end = end;
    this.line0 = line;
    let i = skipWs(s, start, end);
    if (this.at(i) !== 0x7b) throw this.notAnObject(i);
    const values = new Map<string, JsonCell>();
    i = skipWs(s, i + 1, end);
    if (this.at(i) === 0x7d) i++;
    else {
      for (;;) {
        if (this.at(i) !== 0x22) throw this.syntax(i, `expected a string key, found ${this.describe(i)}`);
        const keyAt = i;
        const key = this.wellFormed(this.string(i), keyAt);
        i = this.colon(this.pos);
        const v = this.cell(i);
        const size = values.size;
        values.set(key, v); // one hash lookup instead of has() + set()
        if (values.size === size) throw this.error(keyAt, `duplicate key ${JSON.stringify(key)}`);
        i = skipWs(s, this.pos, end);
        const c = this.at(i);
        if (c === 0x2c) {
          i = skipWs(s, i + 1, end);
          continue;
        }
        if (c === 0x7d) {
          i++;
          break;
        }
        throw this.syntax(i, `expected ',' or '}' after an object member, found ${this.describe(i)}`);
      }
    }
    i = skipWs(s, i, end);
    if (i < end) throw this.syntax(i, `unexpected ${this.describe(i)} after the object`);
    return values;
  }

  private at(i: number): number {
    return i < this.end ? this.s.charCodeAt(i) : -1;
  }

  private describe(i: number): string {
    return describeChar(this.at(i));
  }

  /** Skips the ':' after a key (and whitespace around it); returns the value's position. */
  private colon(i: number): number {
    i = skipWs(this.s, i, this.end);
    if (this.at(i) !== 0x3a) throw this.syntax(i, `expected ':' after an object key, found ${this.describe(i)}`);
    return skipWs(this.s, i + 1, this.end);
  }

  private cell(i: number): JsonCell {
    const c = this.at(i);
    if (c === 0x22) return this.string(i);
    if (c === 0x7b || c === 0x5b) return { nested: this.nested(i) };
    if (c === 0x2d || isDigit(c)) return { num: this.number(i) };
    const t = this.literal(i);
    return t === 'null' ? null : t === 'true';
  }

  /**
   * A key with a lone surrogate escape ("\ud800") cannot be a column name:
   * Arrow schemas hold UTF-8, and encoding would silently turn it into
   * U+FFFD. String values may hold one here (the importer refuses to store
   * it, see convertJson); inside nested values it stays escaped JSON text.
   */
  private wellFormed(v: string, at: number): string {
    if (!this.lastEscaped) return v; // decoded from valid UTF-8: well formed
    const k = v.search(LONE_SURROGATE);
    if (k >= 0) throw this.error(at, `string with a lone surrogate (\\u${v.charCodeAt(k).toString(16)}) cannot be stored as UTF-8`);
    return v;
  }

  private scalarText(i: number): string {
    const c = this.at(i);
    if (c === 0x22) {
      this.string(i, true);
      return this.raw;
    }
    if (c === 0x2d || isDigit(c)) return this.number(i);
    return this.literal(i);
  }

  private literal(i: number): 'true' | 'false' | 'null' {
    for (const word of LITERALS) {
      if (this.s.startsWith(word, i) && i + word.length <= this.end) {
        this.pos = i + word.length;
        return word;
      }
    }
    throw this.syntax(i, `unexpected ${this.describe(i)}`);
  }

  private number(i: number): string {
    let j = i;
    if (this.at(j) === 0x2d) j++;
    const first = this.at(j);
    if (first === 0x30) {
      j++;
      if (isDigit(this.at(j))) throw this.syntax(i, 'invalid number (leading zero)');
    } else if (isDigit(first)) {
      while (isDigit(this.at(++j)));
    } else throw this.syntax(i, 'invalid number');
    if (this.at(j) === 0x2e) {
      if (!isDigit(this.at(++j))) throw this.syntax(i, 'invalid number');
      while (isDigit(this.at(++j)));
    }
    const e = this.at(j);
    if (e === 0x65 || e === 0x45) {
      const sign = this.at(++j);
      if (sign === 0x2b || sign === 0x2d) j++;
      if (!isDigit(this.at(j))) throw this.syntax(i, 'invalid number');
      while (isDigit(this.at(++j)));
    }
    this.pos = j;
    return this.s.slice(i, j);
  }

  /** Parses the string starting at the quote at i; sets pos, and raw if wanted. */
  private string(i: number, wantRaw = false): string {
    const s = this.s;
    const end = this.end;
    let j = i + 1;
    let escaped = false;
    for (;;) {
      if (j >= end) throw this.syntax(i, 'unterminated string');
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        const e = this.at(j + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) if (!isHex(this.at(j + k))) throw this.syntax(j, 'invalid \\u escape');
          j += 6; // lone surrogates are allowed, as JSON allows them
        } else if (SIMPLE_ESCAPES.has(e)) j += 2;
        else throw this.syntax(j, `invalid escape '\\${e < 0 ? '' : String.fromCharCode(e)}'`);
        continue;
      }
      if (c < 0x20) throw this.syntax(j, `unescaped control character ${describeChar(c)} in string`);
      j++;
    }
    this.pos = j + 1;
    this.lastEscaped = escaped;
    if (!escaped) {
      // Without escapes the source text is already what JSON.stringify would write.
      if (wantRaw) this.raw = s.slice(i, j + 1);
      return s.slice(i + 1, j);
    }
    // The escapes were validated above, so JSON.parse cannot fail here.
    const value = JSON.parse(s.slice(i, j + 1)) as string;
    if (wantRaw) this.raw = JSON.stringify(value);
    return value;
  }

  /** Parses a key (at i, in frame f) and the ':' after it; returns the value's position. */
  private key(i: number, f: Frame): number {
    if (this.at(i) !== 0x22) throw this.syntax(i, `expected a string key, found ${this.describe(i)}`);
    const key = this.string(i, true);
    const keys = f.keys;
    // Small objects (the common case) are checked by a linear scan; a Set
    // keeps large ones linear overall.
    if (keys.length >= 16 && f.seen === null) f.seen = new Set(keys);
    if (f.seen === null ? keys.includes(key) : f.seen.has(key)) throw this.error(i, `duplicate key ${JSON.stringify(key)}`);
    f.seen?.add(key);
    if (keys.length > 0 && keys[keys.length - 1]! > key) f.sorted = false;
    keys.push(key);
    f.rawKeys.push(this.raw);
    return this.colon(this.pos);
  }

  /**
   * Parses the object or array at i (a value inside the record, so level 2)
   * into canonical text, with an explicit stack instead of recursion.
   */
  private nested(i: number): string {
    const s = this.s;
    const end = this.end;
    const stack: Frame[] = [];
    let text = ''; // canonical text of the value just completed
    let valueDone = false;
    for (;;) {
      if (!valueDone) {
        i = skipWs(s, i, end);
        const c = this.at(i);
        if (c !== 0x7b && c !== 0x5b) {
          text = this.scalarText(i);
          i = this.pos;
          valueDone = true;
          continue;
        }
        // +1 for the record itself, +1 for the container being opened.
        if (stack.length + 2 > this.maxDepth) throw this.error(i, `nesting deeper than ${this.maxDepth} levels`);
        const obj = c === 0x7b;
        i = skipWs(s, i + 1, end);
        if (this.at(i) === (obj ? 0x7d : 0x5d)) {
          i++;
          text = obj ? '{}' : '[]';
          valueDone = true;
          continue;
        }
        const f: Frame = { obj, text: '[', keys: [], rawKeys: [], items: [], sorted: true, seen: null };
        stack.push(f);
        if (obj) i = this.key(i, f);
        continue;
      }
      const f = stack[stack.length - 1];
      if (f === undefined) {
        this.pos = i;
        return text;
      }
      if (f.obj) f.items.push(text);
      else f.text += f.text.length === 1 ? text : `,${text}`;
      i = skipWs(s, i, end);
      const c = this.at(i);
      if (c === 0x2c) {
        i = skipWs(s, i + 1, end);
        if (f.obj) i = this.key(i, f);
        valueDone = false;
        continue;
      }
      const close = f.obj ? 0x7d : 0x5d;
      if (c !== close) throw this.syntax(i, `expected ',' or '${String.fromCharCode(close)}', found ${this.describe(i)}`);
      i++;
      stack.pop();
      text = f.obj ? canonicalObject(f) : `${f.text}]`;
    }
  }

  private notAnObject(i: number): FvError {
    const c = this.at(i);
    if (c < 0) return this.syntax(i, 'unexpected end of input');
    const kind = describeStart(c);
    if (kind === 'boolean' || kind === 'null') this.literal(i); // "found boolean" only for a real literal
    if (kind === 'array' || kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'null') {
      return this.error(i, `expected an object, found ${kind}`);
    }
    return this.syntax(i, `unexpected ${this.describe(i)}`);
  }

  private syntax(i: number, detail: string): FvError {
    return this.error(i, `JSON syntax error: ${detail}`);
  }

  private error(i: number, what: string): FvError {
    let line = this.line0;
    const stop = Math.min(i, this.end);
    for (let k = this.s.indexOf('\n', this.start); k >= 0 && k < stop; k = this.s.indexOf('\n', k + 1)) line++;
    return new FvError('BAD_INPUT', `${this.file}:${line}: ${what}`);
  }
}

function canonicalObject(f: Frame): string {
  const keys = f.keys;
  let out = '{';
  if (f.sorted) {
    for (let k = 0; k < keys.length; k++) out += `${k > 0 ? ',' : ''}${f.rawKeys[k]!}:${f.items[k]!}`;
  } else {
    // Keys are unique (checked in key()), so the comparison never ties.
    const order = keys.map((_, k) => k).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
    for (let k = 0; k < order.length; k++) out += `${k > 0 ? ',' : ''}${f.rawKeys[order[k]!]!}:${f.items[order[k]!]!}`;
  }
  return out + '}';
}
