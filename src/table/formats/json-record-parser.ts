/**
 * Parses one JSON record (an object, from a decoded string) into its cells,
 * for the JSON Lines and JSON array readers (json-parser.ts,
 * json-array-scanner.ts). A small non-recursive parser: hostile nesting
 * cannot exhaust the stack, and more than `maxDepth` levels is an error
 * (the record object is level 1).
 *
 * Values keep what JSON.parse would lose: numbers stay as their source text
 * (int64 beyond 2^53 and exact decimals survive), and nested objects/arrays
 * become canonical JSON text (no insignificant whitespace, object keys sorted
 * by UTF-16 code units like fast-json-stable-stringify, strings re-escaped the
 * way JSON.stringify does) with the number literals preserved, so equal
 * values compare equal as text.
 */
import { FvError } from '../../errors/FvError.js';

export type JsonCell = null | boolean | string | { num: string } | { nested: string };

export interface JsonRecord {
  /** The record's keys in source order. */
  values: Map<string, JsonCell>;
  /** Physical (1-based) line on which the record starts. */
  line: number;
}


export function skipWs(s: string, i: number, end: number): number {
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

export function describeByte(b: number): string {
  return b < 0x80 ? describeChar(b) : 'non-ASCII character';
}

/** What kind of JSON value starts with byte/char c, for "expected ..., found X". */
export function describeStart(c: number): string {
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

export class RecordParser {
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
