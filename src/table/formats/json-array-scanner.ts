/**
 * Reads a JSON array of objects: a resumable byte scanner finds the
 * elements of the top-level array across chunks; each complete element is
 * then parsed by RecordParser (json-record-parser.ts). Only the open element
 * is kept between chunks, so memory is bounded by the largest record.
 */
import { FvError } from '../../errors/FvError.js';
import { ChunkJoiner, countLf, firstInvalidUtf8 } from './csv-parser.js';
import { decodeRange, LF, newDecoder } from './json-decode.js';
import { describeByte, describeStart, RecordParser } from './json-record-parser.js';
import type { JsonRecord } from './json-record-parser.js';

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

export async function* readJsonArray(source: AsyncIterable<Uint8Array>, p: RecordParser, batchSize: number): AsyncGenerator<JsonRecord[]> {
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
