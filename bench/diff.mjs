#!/usr/bin/env node
// Diff cost tracks the change (issue: diff/merge). On one table, times
// `fv diff --stat` between v1 and a version with 1% of rows changed in one
// clustered key range, and between v1 and a version with 1% of rows changed
// at scattered places (every chunk touched), in the same run; and against
// DuckDB's `v1 EXCEPT v2` straight from the two CSVs (@duckdb/node-api, 2
// threads, in a child process so its start-up counts as fv's does).
// Prints `goal 4:` lines for bench/run.mjs.
// Usage: node bench/diff.mjs [--quick] [--rows N] [--rounds N] [--keep]
// --keep leaves the repository (tags/branches v1, clustered, scattered,
// whole-clustered, whole-scattered) for profiling single diffs by hand.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, benchEnv, ensureData, fvBin, goal, machine, measure, median, outDir, parseArgs, tempDir, verdict } from './lib.mjs';

const opts = parseArgs();
const args = opts.argv;
const quick = opts.has('--quick');
const rows = opts.num('--rows', quick ? 100_000 : 1_000_000);
const rounds = opts.num('--rounds', quick ? 1 : 3);

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
const out = outDir();
const { v1, v2 } = ensureData(rows);

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

const env = benchEnv();
const dir = tempDir('fv-bench-diff-');
// fv diff exits 1 when the versions differ (a negative answer), which is expected here.
const fv = (...a) => measure([process.execPath, fvBin, ...a], { cwd: dir, env, allowStatus: a[0] === 'diff' ? [1] : [] });
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
// The same two changes stored as whole chunk sets (no row-level patch), the
// storage the goal was written for: a scattered change rewrites every chunk,
// a clustered one about 1% of them, and the diff must skip unchanged chunks.
const wholeEnv = { ...env, FV_PATCH_MAX_FRACTION: '0' };
const fvWhole = (...a) => measure([process.execPath, fvBin, ...a], { cwd: dir, env: wholeEnv });
for (const [branch, file] of [['whole-clustered', clustered], ['whole-scattered', v2]]) {
  fv('checkout', 'v1');
  fv('checkout', '-b', branch);
  fvWhole('import', file, '--table', 'data', '-q');
  fvWhole('commit', '-q', '-m', branch);
}

function time(a, b) {
  const r = fv('diff', a, b, '--stat');
  return { secs: r.secs, cpu: r.cpu, stat: r.stdout.trim() };
}
let duckdb = true;
try {
  await import('@duckdb/node-api');
} catch {
  duckdb = false;
}
function timeDuckdb() {
  const r = measure([process.execPath, fileURLToPath(import.meta.url), '--duckdb-child', v1, v2], { env: process.env });
  return { secs: r.secs, stat: `${r.stdout.trim()} rows of v1 not in v2` };
}
// A B A B: fv's scattered diff and DuckDB's EXCEPT of the same two versions alternate.
const res = alternate(rounds, {
  clustered: () => time('v1', 'clustered'),
  scattered: () => time('v1', 'scattered'),
  wholeClustered: () => time('v1', 'whole-clustered'),
  wholeScattered: () => time('v1', 'whole-scattered'),
  ...(duckdb ? { duckdb: timeDuckdb } : {}),
});
const c = median(res.clustered.map((r) => r.secs));
const s = median(res.scattered.map((r) => r.secs));
console.log(`rows: ${rows}, rounds: ${rounds}`);
console.log(`diff v1..clustered (1% in one key range): ${c.toFixed(2)} s   ${res.clustered[0].stat}`);
console.log(`diff v1..scattered (1% everywhere + 0.5% appended): ${s.toFixed(2)} s   ${res.scattered[0].stat}`);
if (duckdb) {
  const d = median(res.duckdb.map((r) => r.secs));
  console.log(`duckdb v1 EXCEPT v2 from the CSVs: ${d.toFixed(2)} s   ${res.duckdb[0].stat}`);
  goal(4, `fv diff (scattered) / duckdb EXCEPT time ratio ${(s / d).toFixed(2)} (goal <= 0.5: ${verdict(s / d <= 0.5)})`);
} else goal(4, 'fv diff / duckdb EXCEPT: not run (@duckdb/node-api is not installed)');
const wc = median(res.wholeClustered.map((r) => r.secs));
const ws = median(res.wholeScattered.map((r) => r.secs));
// CPU time (user + sys, GNU time) as well: on a loaded machine a short process's wall time is mostly waiting for a core.
const wcCpu = median(res.wholeClustered.map((r) => r.cpu));
const wsCpu = median(res.wholeScattered.map((r) => r.cpu));
console.log(`stored whole (FV_PATCH_MAX_FRACTION=0): diff v1..clustered ${wc.toFixed(2)} s (${wcCpu.toFixed(2)} CPU-s), v1..scattered ${ws.toFixed(2)} s (${wsCpu.toFixed(2)} CPU-s)   ${res.wholeScattered[0].stat}`);
// Stored as patches (the default), both diffs read only the patch: the
// scattered one is no dearer than the clustered one, which is the point of
// the goal (cost follows the change), reached without chunk skipping.
console.log(`stored as patches (default): scattered/clustered ${(s / c).toFixed(1)}x (both read only the patch)`);
goal(4, `diff scattered/clustered time ratio, versions stored whole ${(ws / wc).toFixed(1)}x (goal >= 10x: ${verdict(ws / wc >= 10)}); CPU ratio ${(wsCpu / wcCpu).toFixed(1)}x; ${machine()}; stored as patches: scattered ${s.toFixed(2)} s vs clustered ${c.toFixed(2)} s`);
if (opts.has('--keep')) console.error(`kept ${dir}`);
else fs.rmSync(dir, { recursive: true, force: true });
