#!/usr/bin/env node
// Diff cost tracks the change (issue: diff/merge). On one table, times
// `fv diff --stat` between v1 and a version with 1% of rows changed in one
// clustered key range, and between v1 and a version with 1% of rows changed
// at scattered places (every chunk touched), in the same run; and against
// DuckDB's `v1 EXCEPT v2` straight from the two CSVs (@duckdb/node-api, 2
// threads, in a child process so its start-up counts as fv's does).
// Prints `goal 4:` lines for bench/run.mjs.
// Usage: node bench/diff.mjs [--quick] [--rows N] [--rounds N]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fvBin = path.join(here, '..', 'bin', 'fv');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const quick = args.includes('--quick');
const rows = opt('--rows', quick ? 100_000 : 1_000_000);
const rounds = opt('--rounds', quick ? 1 : 3);

// The DuckDB baseline runs as `node bench/diff.mjs --duckdb-child a.csv b.csv`: prints the EXCEPT row count.
if (args[0] === '--duckdb-child') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  const q = (f) => `SELECT * FROM read_csv_auto('${f.replaceAll("'", "''")}')`;
  const r = await con.runAndReadAll(`SELECT count(*) AS n FROM (${q(args[1])} EXCEPT ${q(args[2])})`);
  console.log(String(r.getRows()[0][0]));
  process.exit(0);
}
const out = path.join(here, 'out');
fs.mkdirSync(out, { recursive: true });
const v1 = path.join(out, `v1-${rows}.csv`);
const v2 = path.join(out, `v2-${rows}.csv`);
if (!fs.existsSync(v1) || !fs.existsSync(v2)) spawnSync(process.execPath, [path.join(here, 'generate.mjs'), String(rows), v1, '--v2', v2], { stdio: 'inherit' });

// Clustered: the same number of changed rows as v2's scattered 1%, all in one key range.
const clustered = path.join(out, `clustered-${rows}.csv`);
if (!fs.existsSync(clustered)) {
  const lines = fs.readFileSync(v1, 'utf8').split('\n');
  const start = Math.floor(lines.length / 2);
  for (let i = start; i < start + Math.floor(rows / 100); i++) {
    const cells = lines[i].split(',');
    cells[2] = (Number(cells[2]) + 1).toFixed(4);
    lines[i] = cells.join(',');
  }
  fs.writeFileSync(clustered, lines.join('\n'));
}

const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@fv.invalid' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fv-bench-diff-'));
const fv = (...a) => {
  const r = spawnSync(process.execPath, [fvBin, ...a], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 && !(a[0] === 'diff' && r.status === 1)) throw new Error(`fv ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
console.error('setting up (three imports)...');
fv('init');
fv('import', v1, '--table', 'data', '--key', 'user_id', '-q');
fv('commit', '-q', '-m', 'v1');
fv('tag', 'v1');
fv('import', clustered, '--table', 'data', '-q');
fv('commit', '-q', '-m', 'clustered');
fv('tag', 'clustered');
fv('checkout', 'v1');
fv('checkout', '-b', 'scattered');
fv('import', v2, '--table', 'data', '-q');
fv('commit', '-q', '-m', 'scattered');

function time(a, b) {
  const t0 = process.hrtime.bigint();
  const stat = fv('diff', a, b, '--stat').trim();
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, stat };
}
let duckdb = true;
try {
  await import('@duckdb/node-api');
} catch {
  duckdb = false;
}
function timeDuckdb() {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--duckdb-child', v1, v2], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`duckdb: ${r.stderr}`);
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, stat: `${r.stdout.trim()} rows of v1 not in v2` };
}
// A B A B: fv's scattered diff and DuckDB's EXCEPT of the same two versions alternate.
const res = { clustered: [], scattered: [], duckdb: [] };
for (let i = 0; i < rounds; i++) {
  res.clustered.push(time('v1', 'clustered'));
  res.scattered.push(time('v1', 'scattered'));
  if (duckdb) res.duckdb.push(timeDuckdb());
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const c = median(res.clustered.map((r) => r.secs));
const s = median(res.scattered.map((r) => r.secs));
console.log(`rows: ${rows}, rounds: ${rounds}`);
console.log(`diff v1..clustered (1% in one key range): ${c.toFixed(2)} s   ${res.clustered[0].stat}`);
console.log(`diff v1..scattered (1% everywhere + 0.5% appended): ${s.toFixed(2)} s   ${res.scattered[0].stat}`);
if (duckdb) {
  const d = median(res.duckdb.map((r) => r.secs));
  console.log(`duckdb v1 EXCEPT v2 from the CSVs: ${d.toFixed(2)} s   ${res.duckdb[0].stat}`);
  console.log(`goal 4: fv diff (scattered) / duckdb EXCEPT time ratio ${(s / d).toFixed(2)} (goal <= 0.5: ${s / d <= 0.5 ? 'pass' : 'FAIL'})`);
} else console.log('goal 4: fv diff / duckdb EXCEPT: not run (@duckdb/node-api is not installed)');
console.log(`goal 4: diff scattered/clustered time ratio ${(s / c).toFixed(1)}x (goal >= 10x: ${s / c >= 10 ? 'pass' : 'FAIL'})`);
fs.rmSync(dir, { recursive: true, force: true });
