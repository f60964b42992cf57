/**
 * Structural verification of untrusted Arrow IPC bytes, before apache-arrow
 * parses them (see the comment below), and the internal error signals the
 * decoder turns into FvErrors at its boundary.
 */

/** Arrow JS refuses to write arrays longer than this (IPC lengths are int32 in practice). */
export const MAX_ROWS = 2 ** 31 - 1;

/** Internal signal for malformed input; converted to FvError BAD_INPUT at the boundary. */
export class Malformed extends Error {}

export function malformed(reason: string): never {
  throw new Malformed(reason);
}

/** Internal signal for valid Arrow that fv cannot read; converted to FvError UNSUPPORTED. */
export class UnsupportedInput extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
  }
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

export function hasMagicAt(bytes: Uint8Array, pos: number): boolean {
  if (pos < 0 || pos + MAGIC.length > bytes.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[pos + i] !== MAGIC[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Structural verification of untrusted IPC bytes
//
// apache-arrow trusts its input: a flatbuffer vector length flipped to 2^24
// makes it build millions of Field objects (the process dies of heap
// exhaustion, which no try/catch can stop), a truncated file is silently
// re-read as a stream, and a truncated stream just ends early. So before
// apache-arrow sees the bytes, this section walks the message framing and
// checks every flatbuffer table, vector and string apache-arrow will read
// lies inside its buffer. It checks structure only; values are bounds-checked
// while decoding.
// ---------------------------------------------------------------------------

const MESSAGE_SCHEMA = 1;
const MESSAGE_DICTIONARY_BATCH = 2;
const MESSAGE_RECORD_BATCH = 3;
const TYPE_UNION = 14; // flatbuffer Type union tag of Arrow's Union type (has a typeIds vector)
const MAX_FIELD_DEPTH = 64;

export interface FbTable { pos: number; vtable: number; vtableSize: number; tableSize: number }

/** Bounds-checked reads of a flatbuffer (little-endian, offsets relative to `buf`); chunk-columns.ts reads verified metadata with it too. */
export class FbReader {
  private readonly view: DataView;
  readonly size: number;

  constructor(buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.size = buf.byteLength;
  }

  private at(pos: number, width: number): number {
    if (!(pos >= 0 && pos + width <= this.size)) malformed('metadata points outside its buffer');
    return pos;
  }

  u8(pos: number): number { return this.view.getUint8(this.at(pos, 1)); }
  u16(pos: number): number { return this.view.getUint16(this.at(pos, 2), true); }
  i32(pos: number): number { return this.view.getInt32(this.at(pos, 4), true); }
  u32(pos: number): number { return this.view.getUint32(this.at(pos, 4), true); }
  /**
   * An int64 as a number; values beyond +-(2^53 - 1) are returned as
   * +-Infinity so range checks fail. Read as two 32-bit words: a BigInt per
   * call made this a visible cost of reading thousands of chunks.
   */
  i64(pos: number): number {
    const at = this.at(pos, 8);
    const hi = this.view.getInt32(at + 4, true);
    if (hi >= 0x200000) return Infinity;
    if (hi < -0x200000) return -Infinity;
    const v = hi * 4294967296 + this.view.getUint32(at, true);
    return v > Number.MAX_SAFE_INTEGER ? Infinity : v < -Number.MAX_SAFE_INTEGER ? -Infinity : v;
  }

  table(pos: number): FbTable {
    const vtable = pos - this.i32(pos);
    const vtableSize = this.u16(vtable);
    const tableSize = this.u16(vtable + 2);
    if (vtableSize < 4 || vtableSize % 2 !== 0) malformed('bad metadata vtable');
    this.at(vtable, vtableSize);
    this.at(pos, Math.max(tableSize, 4));
    return { pos, vtable, vtableSize, tableSize };
  }

  root(): FbTable { return this.table(this.u32(0)); }

  /** Absolute position of field `index`, or 0 when absent. */
  field(t: FbTable, index: number): number {
    const slot = 4 + 2 * index;
    if (slot + 2 > t.vtableSize) return 0;
    const off = this.u16(t.vtable + slot);
    if (off === 0) return 0;
    if (off >= t.tableSize) malformed('bad metadata field offset');
    return t.pos + off;
  }

  /** Target of an offset-typed field (table, vector or string), or 0 when absent. */
  ref(t: FbTable, index: number): number {
    const p = this.field(t, index);
    return p === 0 ? 0 : p + this.u32(p);
  }

  subTable(t: FbTable, index: number): FbTable | null {
    const p = this.ref(t, index);
    return p === 0 ? null : this.table(p);
  }

  /** A vector field: its element count and first element position, checked to fit. */
  vector(t: FbTable, index: number, elementSize: number): { start: number; length: number } {
    const p = this.ref(t, index);
    if (p === 0) return { start: 0, length: 0 };
    const length = this.u32(p);
    if (length * elementSize > this.size - (p + 4)) malformed('metadata vector longer than its buffer');
    return { start: p + 4, length };
  }

  /** Element `i` of a vector of tables. */
  tableAt(start: number, i: number): FbTable {
    const p = start + 4 * i;
    return this.table(p + this.u32(p));
  }

  scalarU8(t: FbTable, index: number): number {
    const p = this.field(t, index);
    return p === 0 ? 0 : this.u8(p);
  }

  scalarI64(t: FbTable, index: number): number {
    const p = this.field(t, index);
    return p === 0 ? 0 : this.i64(p);
  }
}

function verifyKeyValues(r: FbReader, t: FbTable, index: number): void {
  const v = r.vector(t, index, 4);
  for (let i = 0; i < v.length; i++) {
    const kv = r.tableAt(v.start, i);
    r.vector(kv, 0, 1);
    r.vector(kv, 1, 1);
  }
}

function verifyField(r: FbReader, f: FbTable, depth: number): void {
  if (depth > MAX_FIELD_DEPTH) malformed('schema nested too deeply');
  r.vector(f, 0, 1); // name
  const typeTag = r.scalarU8(f, 2);
  const type = r.subTable(f, 3);
  if (type && typeTag === TYPE_UNION) r.vector(type, 1, 4); // Union.typeIds
  const dict = r.subTable(f, 4);
  if (dict) r.subTable(dict, 1); // DictionaryEncoding.indexType
  const children = r.vector(f, 5, 4);
  for (let i = 0; i < children.length; i++) verifyField(r, r.tableAt(children.start, i), depth + 1);
  verifyKeyValues(r, f, 6);
}

function verifySchema(r: FbReader, s: FbTable): void {
  const fields = r.vector(s, 1, 4);
  for (let i = 0; i < fields.length; i++) verifyField(r, r.tableAt(fields.start, i), 0);
  verifyKeyValues(r, s, 2);
  r.vector(s, 3, 8); // features
}

/** Returns whether every field node is as long as the batch (true of any flat schema). */
function verifyRecordBatch(r: FbReader, b: FbTable, bodyLength: number): boolean {
  const length = r.scalarI64(b, 0);
  if (!(length >= 0 && length <= MAX_ROWS)) malformed(`record batch length ${length} out of range`);
  const nodes = r.vector(b, 1, 16); // FieldNode { length: long, null_count: long }
  let uniform = true;
  for (let i = 0; i < nodes.length; i++) {
    const n = r.i64(nodes.start + 16 * i);
    const nulls = r.i64(nodes.start + 16 * i + 8);
    if (!(n >= 0 && n <= MAX_ROWS && nulls >= 0 && nulls <= n)) malformed('bad field node');
    if (n !== length) uniform = false;
  }
  const buffers = r.vector(b, 2, 16); // Buffer { offset: long, length: long }
  for (let i = 0; i < buffers.length; i++) {
    const off = r.i64(buffers.start + 16 * i);
    const len = r.i64(buffers.start + 16 * i + 8);
    if (!(off >= 0 && len >= 0 && off + len <= bodyLength)) malformed('buffer outside the message body');
  }
  if (r.subTable(b, 3)) {
    // Body compression (LZ4_FRAME or ZSTD; pyarrow's Feather writer uses LZ4
    // by default) needs codecs apache-arrow does not ship.
    throw new UnsupportedInput('compressed Arrow IPC data is not supported', "write it uncompressed, e.g. pyarrow.feather.write_feather(df, path, compression='uncompressed')");
  }
  const counts = r.vector(b, 4, 8);
  for (let i = 0; i < counts.length; i++) {
    const c = r.i64(counts.start + 8 * i);
    if (!(c >= 0 && c <= buffers.length)) malformed('bad variadic buffer count');
  }
  return uniform;
}

interface MessageInfo { kind: number; bodyLength: number; uniform: boolean }

/** Verifies one message's metadata flatbuffer. */
function verifyMessage(meta: Uint8Array): MessageInfo {
  const r = new FbReader(meta);
  const m = r.root();
  const kind = r.scalarU8(m, 1);
  const bodyLength = r.scalarI64(m, 3);
  if (!(bodyLength >= 0 && Number.isSafeInteger(bodyLength))) malformed('bad message body length');
  const header = r.subTable(m, 2);
  if (!header) malformed('message without header');
  verifyKeyValues(r, m, 4);
  let uniform = true;
  if (kind === MESSAGE_SCHEMA) verifySchema(r, header);
  else if (kind === MESSAGE_RECORD_BATCH) uniform = verifyRecordBatch(r, header, bodyLength);
  else if (kind === MESSAGE_DICTIONARY_BATCH) {
    const data = r.subTable(header, 1);
    if (!data) malformed('dictionary batch without data');
    verifyRecordBatch(r, data, bodyLength);
  } else malformed(`unsupported message type ${kind}`);
  return { kind, bodyLength, uniform };
}

interface MessageWalk {
  /** Start offset -> header type of every message. */
  starts: Map<number, number>;
  end: number;
  sawEos: boolean;
  /** False if some record batch has a field node of another length than the batch. */
  lengthsConsistent: boolean;
}

/** What verification learnt: the number of record batches and whether their lengths agree. */
interface IpcShape { recordBatches: number; lengthsConsistent: boolean }

/**
 * Walks encapsulated messages from `start`: [0xFFFFFFFF] int32 metadata length,
 * metadata flatbuffer, body (pre-0.15 writers omit the 0xFFFFFFFF). Stops at
 * the end-of-stream marker (length 0) or at `limit`. Returns each message's
 * start offset -> header type. A schema message must come first and only
 * once; in a file it may be absent (Arrow JS writes it only in the footer).
 */
function walkMessages(bytes: Uint8Array, start: number, limit: number, schemaRequired: boolean): MessageWalk {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts = new Map<number, number>();
  let lengthsConsistent = true;
  let pos = start;
  while (pos < limit) {
    const messageStart = pos;
    if (pos + 4 > limit) malformed('truncated message header');
    let metaLength = view.getInt32(pos, true);
    pos += 4;
    if (metaLength === -1) {
      if (pos + 4 > limit) malformed('truncated message header');
      metaLength = view.getInt32(pos, true);
      pos += 4;
    }
    if (metaLength === 0) return { starts, end: pos, sawEos: true, lengthsConsistent };
    if (metaLength < 0 || metaLength > limit - pos) malformed(`message ${starts.size} truncated or has a bad length`);
    const { kind, bodyLength, uniform } = verifyMessage(bytes.subarray(pos, pos + metaLength));
    if (!uniform) lengthsConsistent = false;
    pos += metaLength;
    if (bodyLength > limit - pos) malformed(`message ${starts.size} body truncated`);
    pos += bodyLength;
    if (kind === MESSAGE_SCHEMA && starts.size > 0) malformed('schema message in the middle of the stream');
    if (kind !== MESSAGE_SCHEMA && starts.size === 0 && schemaRequired) malformed('stream does not start with a schema');
    starts.set(messageStart, kind);
  }
  return { starts, end: pos, sawEos: false, lengthsConsistent };
}

/**
 * Stream format. The Arrow spec lets a writer end a stream by just closing
 * it, without the end-of-stream marker, but then a stream cut at a message
 * boundary would decode "successfully" with rows missing. Every mainstream
 * writer (Arrow C++/pyarrow, arrow-rs/polars, Arrow JS) writes the marker,
 * so it is required, and nothing may follow it.
 */
export function verifyStream(bytes: Uint8Array): IpcShape {
  if (bytes.length === 0) malformed('empty input');
  const walk = walkMessages(bytes, 0, bytes.length, true);
  if (walk.starts.size === 0) malformed(walk.sawEos ? 'no schema' : 'too short');
  if (!walk.sawEos) malformed('truncated: no end-of-stream marker');
  if (walk.end !== bytes.length) malformed(`${bytes.length - walk.end} unexpected bytes after end-of-stream marker`);
  let recordBatches = 0;
  for (const kind of walk.starts.values()) if (kind === MESSAGE_RECORD_BATCH) recordBatches++;
  return { recordBatches, lengthsConsistent: walk.lengthsConsistent };
}

/**
 * File format: "ARROW1" + 2 pad bytes, the stream (usually with its EOS
 * marker), the Footer flatbuffer, int32 footer length, "ARROW1". A missing
 * trailing magic means truncation (apache-arrow would fall back to reading
 * the prefix as a stream). apache-arrow reads the schema from the footer and
 * each batch at the offset the footer gives, so the footer is verified and
 * every block must point at a verified message of the right kind.
 */
export function verifyFile(bytes: Uint8Array): IpcShape {
  const len = bytes.length;
  if (len < 8 + 4 + 6 || !hasMagicAt(bytes, len - 6)) malformed('truncated: missing trailing ARROW1 magic');
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, len).getInt32(len - 10, true);
  if (footerLength <= 0 || footerLength > len - 8 - 10) malformed(`footer length ${footerLength} out of range`);
  const footerStart = len - 10 - footerLength;

  const walk = walkMessages(bytes, 8, footerStart, false);

  const r = new FbReader(bytes.subarray(footerStart, len - 10));
  const footer = r.root();
  const schema = r.subTable(footer, 1);
  if (!schema) malformed('footer without schema');
  verifySchema(r, schema);
  verifyKeyValues(r, footer, 4);
  const checkBlocks = (index: number, kind: number): number => {
    const blocks = r.vector(footer, index, 24); // Block { offset: long, metaDataLength: int, bodyLength: long }
    for (let i = 0; i < blocks.length; i++) {
      const offset = r.i64(blocks.start + 24 * i);
      if (walk.starts.get(offset) !== kind) malformed('footer block does not point at a message');
    }
    return blocks.length;
  };
  checkBlocks(2, MESSAGE_DICTIONARY_BATCH);
  return { recordBatches: checkBlocks(3, MESSAGE_RECORD_BATCH), lengthsConsistent: walk.lengthsConsistent };
}

