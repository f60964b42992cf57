#!/usr/bin/env node
// Deterministic benchmark data (issue: performance). Usage:
//   node bench/generate.mjs <rows> <out.csv> [--v2 <out2.csv>]
// v1: rows x 12 columns (user_id unique int64 key, event_ts timestamp, 6 float64,
// 2 int32, a 20-value categorical string, a ~20-character free-text string).
// v2: v1 with 1% of rows (scattered) changed in one numeric column, plus 0.5% new rows.
import * as fs from 'node:fs';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATS = Array.from({ length: 20 }, (_, i) => `category_${String.fromCharCode(97 + i)}`);
const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'fox', 'golf', 'hotel', 'india', 'kilo', 'lima', 'mike', 'oscar'];

function row(i, r) {
  const ts = new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 365 * 86400) * 1000).toISOString().replace('.000Z', 'Z');
  const f = () => (r() * 1000 - 500).toFixed(4);
  const text = `${WORDS[Math.floor(r() * 12)]} ${WORDS[Math.floor(r() * 12)]} ${Math.floor(r() * 100000)}`;
  return [i * 3 + 1, ts, f(), f(), f(), f(), f(), f(), Math.floor(r() * 100000), Math.floor(r() * 1000), CATS[Math.floor(r() * 20)], text];
}

const HEADER = 'user_id,event_ts,f1,f2,f3,f4,f5,f6,i1,i2,category,note';

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

const n = Number(process.argv[2] ?? 1000000);
const out = process.argv[3] ?? 'v1.csv';
const v2i = process.argv.indexOf('--v2');
const r = rng(42);
const rows = [];
for (let i = 0; i < n; i++) rows.push(row(i, r));
writeCsv(out, rows);
if (v2i > 0) {
  const c = rng(7);
  for (let k = 0; k < n / 100; k++) {
    const i = Math.floor(c() * n);
    rows[i][2] = (c() * 1000 - 500).toFixed(4);
  }
  for (let i = n; i < n + n / 200; i++) rows.push(row(i, c));
  writeCsv(process.argv[v2i + 1], rows);
}
