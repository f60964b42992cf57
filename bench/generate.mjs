#!/usr/bin/env node
// Deterministic benchmark data (issue: performance). Usage:
//   node bench/generate.mjs <rows> <out.csv> [--v2 <out2.csv>]
// v1: rows x 12 columns (user_id unique int64 key, event_ts timestamp, 6 float64,
// 2 int32, a 20-value categorical string, a ~20-character free-text string).
// v2: v1 with 1% of rows (scattered) changed in one numeric column, plus 0.5% new rows.
import * as fs from 'node:fs';
import { rng } from './lib.mjs';

const CATS = Array.from({ length: 20 }, (_, i) => `category_${String.fromCharCode(97 + i)}`);
const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'fox', 'golf', 'hotel', 'india', 'kilo', 'lima', 'mike', 'oscar'];

function row(i, r) {
  const ts = new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 365 * 86400) * 1000).toISOString().replace('.000Z', 'Z');
  const f = () => (r() * 1000 - 500).toFixed(4);
  const text = `${WORDS[Math.floor(r() * 12)]} ${WORDS[Math.floor(r() * 12)]} ${Math.floor(r() * 100000)}`;
  return [i * 3 + 1, ts, f(), f(), f(), f(), f(), f(), Math.floor(r() * 100000), Math.floor(r() * 1000), CATS[Math.floor(r() * 20)], text];
}

const HEADER = 'user_id,event_ts,f1,f2,f3,f4,f5,f6,i1,i2,category,note';

/** Writes the header and every row the generator yields, 10,000 lines per write. */
function writeCsv(file, rows) {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, HEADER + '\n');
  let buf = [];
  for (const r of rows) {
    buf.push(r.join(','));
    if (buf.length === 10000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
}

// Rows are generated as they are written, never held all at once: the 10M-row
// variant (1.2 GB of CSV) would not fit in the heap as arrays of cells. v2 is
// v1 regenerated from the same seed with its changes applied on the way; the
// changes are drawn first, in the same order as before, so the files are
// byte-identical to those of the earlier all-in-memory generator.
const n = Number(process.argv[2] ?? 1000000);
const out = process.argv[3] ?? 'v1.csv';
const v2i = process.argv.indexOf('--v2');

function* v1Rows() {
  const r = rng(42);
  for (let i = 0; i < n; i++) yield row(i, r);
}

writeCsv(out, v1Rows());
if (v2i > 0) {
  const c = rng(7);
  const changed = new Map();
  for (let k = 0; k < n / 100; k++) {
    const i = Math.floor(c() * n);
    changed.set(i, (c() * 1000 - 500).toFixed(4));
  }
  function* v2Rows() {
    let i = 0;
    for (const cells of v1Rows()) {
      const v = changed.get(i++);
      if (v !== undefined) cells[2] = v;
      yield cells;
    }
    // Appended rows draw from the same generator after the changes, as before.
    for (let j = n; j < n + n / 200; j++) yield row(j, c);
  }
  writeCsv(process.argv[v2i + 1], v2Rows());
}
