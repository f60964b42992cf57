/**
 * The fixed part of a chunk's Arrow IPC file, per table schema.
 *
 * A chunk file is: magic, one record batch message (its flatbuffer
 * metadata, then its body), end-of-stream marker, footer (the schema and
 * the batch's Block), footer size, magic. For a given schema everything but
 * a few numbers is the same in every chunk: the footer does not depend on
 * the rows but for the body length, and the record
 * batch flatbuffer has a fixed layout (one FieldNode struct per column, one
 * Buffer struct per buffer, 64-bit scalars) whose only varying content is
 * the row count, null counts, buffer offsets/lengths and body length.
 *
 * So apache-arrow's writer runs once per schema, on a stand-in batch, and
 * its output is kept as a template with the positions of those numbers
 * (found by reading the flatbuffers, not by guessing offsets). Chunks are
 * then written by copying the template and filling in their numbers: the
 * apache-arrow writer per chunk (schema objects, Data, visitors, flatbuffer
 * builders) was most of the encoding time. One catch: flatbuffers leave out
 * a scalar equal to its default (0), which changes the layout. The row count
 * is 0 only for a zero-row chunk, so those get a template of their own; the
 * body length is 0 only for a schema without columns, where the stand-in's
 * is 0 too. The template asserts both instead of trusting them.
 * test/unit/arrow/ipc-template.test.ts compares against apache-arrow's
 * writer on random tables of every type.
 */
import type { Field } from '../types.js';
import { encodeArrowIpc } from './arrow-codec.js';
import type { FbTable } from './arrow-ipc-verify.js';
import { FbReader } from './arrow-ipc-verify.js';

// Field indexes of Arrow's Message.fbs / File.fbs tables.
const MESSAGE_HEADER_TYPE = 1;
const MESSAGE_HEADER = 2;
const RECORD_BATCH = 3;
/** "ARROW1" and two bytes of padding. */
const MAGIC_PADDED = 8;
const MESSAGE_BODY_LENGTH = 3;
const BATCH_LENGTH = 0;
const BATCH_NODES = 1;
const BATCH_BUFFERS = 2;
const FOOTER_RECORD_BATCHES = 3;
/** FieldNode and Buffer structs: two int64s. */
const STRUCT16 = 16;
/** Block struct: offset int64, metaDataLength int32, padding, bodyLength int64. */
const BLOCK_SIZE = 24;
const BLOCK_BODY_LENGTH = 16;
/** Continuation marker and metadata length before each message's flatbuffer. */
const MESSAGE_PREFIX = 8;
/** Footer size (int32) and "ARROW1" after the footer. */
const FILE_SUFFIX = 10;

/** The numbers of one chunk that the template leaves open. */
export interface BatchNumbers {
  rows: number;
  /** Per column. */
  nullCounts: ArrayLike<number>;
  /** Per buffer, in body order: padded byte lengths (a buffer starts where the previous one ends). */
  bufferLengths: ArrayLike<number>;
}

function setInt64(view: DataView, at: number, v: number): void {
  view.setUint32(at, v % 4294967296, true);
  view.setUint32(at + 4, Math.floor(v / 4294967296), true);
}

export class IpcFileTemplate {
  private constructor(
    /** Magic (and whatever precedes the record batch message). */
    private readonly head: Uint8Array,
    /** The record batch message's prefix and flatbuffer (padded). */
    private readonly meta: Uint8Array,
    /** End-of-stream marker, footer, footer size, magic. */
    private readonly tail: Uint8Array,
    /** Positions in `meta` (-1: absent, so the value must be 0). */
    private readonly rowsAt: number,
    private readonly nodesAt: number,
    private readonly buffersAt: number,
    readonly bufferCount: number,
    private readonly bodyLengthAt: number,
    /** Position of the Block's bodyLength in `tail`. */
    private readonly tailBodyLengthAt: number,
  ) {}

  /** The template for chunks of `fields` with (`empty`) or without zero rows. Fields must have unique names. */
  static build(fields: Field[], empty: boolean): IpcFileTemplate {
    const rows = empty ? 0 : 1;
    // Any values do; nulls exist for every type.
    const bytes = encodeArrowIpc({ fields, columns: fields.map(() => new Array(rows).fill(null)), rowCount: rows }, { format: 'file' });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // apache-arrow's file writer puts the schema in the footer only; a schema message before the batch would be skipped here.
    let batchAt = MAGIC_PADDED;
    let metaLength: number, r: FbReader, message: FbTable;
    for (;;) {
      metaLength = MESSAGE_PREFIX + view.getInt32(batchAt + 4, true);
      r = new FbReader(bytes.subarray(batchAt + MESSAGE_PREFIX, batchAt + metaLength));
      message = r.root();
      if (r.scalarU8(message, MESSAGE_HEADER_TYPE) === RECORD_BATCH) break;
      batchAt += metaLength + r.scalarI64(message, MESSAGE_BODY_LENGTH);
    }
    const batch = r.subTable(message, MESSAGE_HEADER)!;
    const nodes = r.vector(batch, BATCH_NODES, STRUCT16);
    const buffers = r.vector(batch, BATCH_BUFFERS, STRUCT16);
    const bodyAt = batchAt + metaLength;
    const tailAt = bodyAt + r.scalarI64(message, MESSAGE_BODY_LENGTH);
    const footerAt = bytes.length - FILE_SUFFIX - view.getInt32(bytes.length - FILE_SUFFIX, true);
    const footer = new FbReader(bytes.subarray(footerAt, bytes.length - FILE_SUFFIX));
    const blocks = footer.vector(footer.root(), FOOTER_RECORD_BATCHES, BLOCK_SIZE);
    if (nodes.length !== fields.length || blocks.length !== 1) throw new Error('unexpected Arrow IPC layout from the reference writer');
    const at = (p: number) => (p === 0 ? -1 : p + MESSAGE_PREFIX);
    return new IpcFileTemplate(
      bytes.slice(0, batchAt),
      bytes.slice(batchAt, bodyAt),
      bytes.slice(tailAt),
      at(r.field(batch, BATCH_LENGTH)),
      nodes.start + MESSAGE_PREFIX,
      buffers.start + MESSAGE_PREFIX,
      buffers.length,
      at(r.field(message, MESSAGE_BODY_LENGTH)),
      footerAt - tailAt + blocks.start + BLOCK_BODY_LENGTH,
    );
  }

  /**
   * A new file for a chunk with these numbers: every byte but the body's
   * (zeros, at `bodyOffset`, to be filled in by the caller).
   */
  write(numbers: BatchNumbers): { file: Uint8Array; bodyOffset: number } {
    const { rows, nullCounts, bufferLengths } = numbers;
    if (bufferLengths.length !== this.bufferCount) throw new Error(`chunk has ${bufferLengths.length} buffers, its schema ${this.bufferCount}`);
    let bodyLength = 0;
    for (let i = 0; i < bufferLengths.length; i++) bodyLength += bufferLengths[i]!;
    this.expectPresent(this.rowsAt, rows, 'row count');
    this.expectPresent(this.bodyLengthAt, bodyLength, 'body length');
    const bodyOffset = this.head.length + this.meta.length;
    const file = new Uint8Array(bodyOffset + bodyLength + this.tail.length);
    file.set(this.head, 0);
    file.set(this.meta, this.head.length);
    file.set(this.tail, bodyOffset + bodyLength);
    const view = new DataView(file.buffer);
    const meta = this.head.length;
    if (this.rowsAt >= 0) setInt64(view, meta + this.rowsAt, rows);
    if (this.bodyLengthAt >= 0) setInt64(view, meta + this.bodyLengthAt, bodyLength);
    for (let c = 0; c < nullCounts.length; c++) {
      setInt64(view, meta + this.nodesAt + c * STRUCT16, rows);
      setInt64(view, meta + this.nodesAt + c * STRUCT16 + 8, nullCounts[c]!);
    }
    let offset = 0;
    for (let b = 0; b < bufferLengths.length; b++) {
      setInt64(view, meta + this.buffersAt + b * STRUCT16, offset);
      setInt64(view, meta + this.buffersAt + b * STRUCT16 + 8, bufferLengths[b]!);
      offset += bufferLengths[b]!;
    }
    setInt64(view, bodyOffset + bodyLength + this.tailBodyLengthAt, bodyLength);
    return { file, bodyOffset };
  }

  /** A scalar the flatbuffer left out (it was 0 in the stand-in) must be 0 here too, or the layout would differ. */
  private expectPresent(at: number, value: number, what: string): void {
    if (at < 0 && value !== 0) throw new Error(`chunk ${what} ${value} does not fit its schema's IPC template`);
  }
}

/** Templates of recently written schemas: a table's chunks share one. */
const cache = new Map<string, IpcFileTemplate>();
const CACHE_LIMIT = 64;

/** Cache keys of field lists already seen: a table's chunks mostly share one list, and stringifying it per chunk showed in profiles. */
const keys = new WeakMap<Field[], string>();

/** The template for chunks of `fields` with `rows` rows. */
export function ipcTemplate(fields: Field[], rows: number): IpcFileTemplate {
  let fieldsKey = keys.get(fields);
  if (fieldsKey === undefined) keys.set(fields, (fieldsKey = JSON.stringify(fields)));
  const empty = rows === 0;
  const key = `${empty ? 0 : 1}${fieldsKey}`;
  let t = cache.get(key);
  if (t === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    t = IpcFileTemplate.build(fields, empty);
    cache.set(key, t);
  }
  return t;
}
