#!/usr/bin/env node
// How should a patched import find the base rows' hashes by key? (docs/FORMAT.md section 9)
// Usage: node bench/patch-detect.mjs <fv repo dir> [table]   (after `npm run build`)
// Times, over the table's committed base chunks: reading the blobs, decoding
// them, hashing the decoded rows (what patch-writer.ts does), against the
// alternative of a stored per-chunk row-hash column (16 bytes a row), which
// it writes to a scratch object store to measure its read time and size.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchDir } from './lib.mjs';

const dist = path.join(benchDir, '..', 'dist');
const { GitRepo } = await import(path.join(dist, 'storage', 'git.js'));
const { decodeManifest, fieldTypes } = await import(path.join(dist, 'table', 'manifest.js'));
const { decodeArrowIpc } = await import(path.join(dist, 'table', 'arrow', 'arrow-codec.js'));
const { hashRows } = await import(path.join(dist, 'table', 'row-hash.js'));
const { readSnapshot } = await import(path.join(dist, 'versioning', 'snapshot.js'));

const dir = process.argv[2];
const table = process.argv[3] ?? 'data';
const repo = new GitRepo(dir);
const head = (await repo.readRef('HEAD'));
const snap = await readSnapshot(repo, head);
const m = decodeManifest(await repo.readBlob(snap.tables.get(table)), table);
const types = fieldTypes(m);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

let t = process.hrtime.bigint();
const blobs = [];
for (const c of m.chunks) blobs.push(await repo.readBlob(c.oid));
const readMs = ms(t);
t = process.hrtime.bigint();
const decoded = blobs.map((b) => decodeArrowIpc(b));
const decodeMs = ms(t);
t = process.hrtime.bigint();
const hashes = decoded.map((d) => hashRows(d.columns, types, d.rowCount, null).rowHashes);
const hashMs = ms(t);

// The alternative: each chunk's row hashes stored as a blob beside it.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fv-detect-'));
const side = await GitRepo.init(scratch);
const oids = [];
for (const h of hashes) oids.push(await side.writeBlob(new Uint8Array(h.buffer, h.byteOffset, h.byteLength)));
let sideBytes = 0;
for (const o of oids) sideBytes += fs.statSync(path.join(scratch, '.git', 'objects', o.slice(0, 2), o.slice(2))).size;
t = process.hrtime.bigint();
for (const o of oids) await side.readBlob(o);
const sideReadMs = ms(t);
fs.rmSync(scratch, { recursive: true, force: true });

let chunkBytes = 0;
for (const c of m.chunks) chunkBytes += fs.statSync(path.join(dir, '.git', 'objects', c.oid.slice(0, 2), c.oid.slice(2))).size;
console.log(`table ${table}: ${m.rows} rows, ${m.chunks.length} base chunks, ${(chunkBytes / 1e6).toFixed(2)} MB stored`);
console.log(`decode path: read ${readMs.toFixed(0)} ms + decode ${decodeMs.toFixed(0)} ms + hash ${hashMs.toFixed(0)} ms = ${(readMs + decodeMs + hashMs).toFixed(0)} ms`);
console.log(`row-hash column: read ${sideReadMs.toFixed(0)} ms; stores ${(sideBytes / 1e6).toFixed(2)} MB more (${((100 * sideBytes) / chunkBytes).toFixed(1)}% of the chunks)`);
