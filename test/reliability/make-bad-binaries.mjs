/** Regenerates the corrupt Arrow and Parquet files of fixtures/bad (run from the repository root: node test/reliability/make-bad-binaries.mjs). */
import * as fs from 'node:fs';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
const dir = 'fixtures/bad/';
const vec = (type, values) => { const b = arrow.makeBuilder({ type, nullValues: [null] }); for (const v of values) b.append(v); return b.finish().toVector(); };
const t = new arrow.Table({ id: vec(new arrow.Int64(), [1n, 2n, 3n]), s: vec(new arrow.Utf8(), ['a', 'bb', null]) });
const ipc = Buffer.from(arrow.tableToIPC(t, 'file'));
const stream = Buffer.from(arrow.tableToIPC(t, 'stream'));
const put = (n, b) => fs.writeFileSync(dir + n, b);
let b;
b = Buffer.from(ipc); b.write('ARROX1', 0, 'latin1'); put('wrong_magic.arrow', b);
b = Buffer.from(ipc); b.write('ARROX1', ipc.length - 6, 'latin1'); put('wrong_tail_magic.arrow', b);
b = Buffer.from(ipc); for (let i = 16; i < 48; i++) b[i] = 0xff; put('bad_flatbuffer.arrow', b);
b = Buffer.from(ipc); b.writeInt32LE(0x7ffffff0, 12); put('metadata_length_lies.arrow', b);
// The record batch's body length: find the LE int64 of the real body length inside its metadata and make it huge.
{
  // Stream layout: [0xFFFFFFFF][len][schema msg][pad] [0xFFFFFFFF][len][batch msg][body]...
  const schemaLen = stream.readInt32LE(4);
  const batchStart = 8 + schemaLen;
  const batchLen = stream.readInt32LE(batchStart + 4);
  const meta = stream.subarray(batchStart + 8, batchStart + 8 + batchLen);
  const eos = 8; // end-of-stream marker
  const bodyLen = stream.length - (batchStart + 8 + batchLen) - eos;
  const needle = Buffer.alloc(8); needle.writeBigInt64LE(BigInt(bodyLen));
  const at = meta.indexOf(needle);
  if (at < 0) throw new Error('body length not found ' + bodyLen);
  const s = Buffer.from(stream);
  s.writeBigInt64LE(1n << 40n, batchStart + 8 + at);
  put('body_length_lies.arrows', s);
  const s2 = Buffer.from(stream);
  s2.writeBigInt64LE(BigInt(bodyLen + 64), batchStart + 8 + at);
  put('body_length_off.arrows', s2);
}
put('truncated_stream.arrows', stream.subarray(0, stream.length - 30));
put('truncated_footer.arrow', ipc.subarray(0, ipc.length - 12));
put('only_magic.arrow', Buffer.from('ARROW1\0\0ARROW1', 'latin1'));
const pq = Buffer.from(parquet.writeParquet(parquet.Table.fromIPCStream(stream)));
b = Buffer.from(pq); b.write('PAR2', pq.length - 4, 'latin1'); put('bad_tail_magic.parquet', b);
b = Buffer.from(pq); b.write('PAR2', 0, 'latin1'); put('bad_head_magic.parquet', b);
put('truncated_footer.parquet', Buffer.concat([pq.subarray(0, pq.length - 40), pq.subarray(pq.length - 8)]));
b = Buffer.from(pq); b.writeInt32LE(0x7ffffff0, pq.length - 8); put('footer_length_lies.parquet', b);
b = Buffer.from(pq); for (let i = pq.length - 60; i < pq.length - 20; i++) b[i] = 0xff; put('bad_footer_thrift.parquet', b);
b = Buffer.from(pq); for (let i = 8; i < 40; i++) b[i] = 0xaa; put('bad_page.parquet', b);
put('only_magic.parquet', Buffer.from('PAR1PAR1', 'latin1'));
