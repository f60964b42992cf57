#!/usr/bin/env node
// `fv build` (point-in-time join) against DuckDB's ASOF JOIN on the same data,
// in the same run (A B A B ...). Issue 6 / goal 5 of the performance issue:
// fv at most 1.0x DuckDB.
//
// Usage: npm run bench:build [-- --quick] [-- --rounds N] [-- --format parquet|arrow] [-- --keep]
//   full:   100k entities x 10 events = 1M feature rows, 200k spine rows
//   --quick: 10k entities x 10 events = 100k feature rows, 20k spine rows
//
// Setup (not timed): generate two CSVs deterministically, import them into a
// fresh fv repository with a features.json and commit.
// Timed, alternating:
//   fv:     `fv build bench -o out.<format>` (reads the commit, joins, writes)
//   duckdb: a node process (@duckdb/node-api, 2 threads) that loads the same
//           two CSVs, runs LEFT ASOF JOIN and COPYs the result to Parquet.
// Both are whole processes timed from the outside, peak RSS by /usr/bin/time.
// Then (not timed) the outputs are checked to agree: DuckDB reads fv's Parquet
// output and its own, and compares the row counts and an order-independent
// checksum of every output value.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, benchEnv, fvBin, goal, machine, measure, median, parseArgs, rng, tempDir } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const opts = parseArgs();
const args = opts.argv;

// The ASOF JOIN both sides compute: each spine row takes the latest feature row
// of its user with ts <= label_ts (inclusive), or nulls. Event times are distinct
// per user, so no tie-breaking rule is involved and both engines must agree.
const ASOF_SQL = `
  SELECT s.user_id, s.label_ts, s.churned, f.spend AS spend, f.visits AS visits, f.tier AS tier
  FROM spine s ASOF LEFT JOIN feats f ON s.user_id = f.user_id AND s.label_ts >= f.ts`;

// Order-independent checksum of a result: count and the sum of a hash of each row.
// Times as epoch seconds and spend rounded to its 4 written decimals, so the
// physical types each engine chose (TIMESTAMPTZ vs TIMESTAMP, etc.) do not matter.
const CHECKSUM_SQL = (from) => `
  SELECT count(*)::VARCHAR AS n,
         sum(hash(user_id::BIGINT, epoch(label_ts)::BIGINT, churned::BOOLEAN,
                  round(spend * 10000)::BIGINT, visits::BIGINT, tier::VARCHAR))::VARCHAR AS h,
         count(spend)::VARCHAR AS matched
  FROM ${from}`;

async function duckdbChild(dir, out, mode) {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  await c.run(`SET TimeZone = 'UTC'`);
  if (mode === 'run') {
    await c.run(`CREATE TABLE feats AS SELECT * FROM read_csv('${path.join(dir, 'features.csv')}', header = true)`);
    await c.run(`CREATE TABLE spine AS SELECT * FROM read_csv('${path.join(dir, 'spine.csv')}', header = true)`);
    await c.run(`COPY (${ASOF_SQL}) TO '${out}' (FORMAT parquet)`);
  } else {
    // mode 'checksum': print the checksum of a Parquet file as JSON.
    const r = await c.runAndReadAll(CHECKSUM_SQL(`read_parquet('${out}')`));
    const [n, h, matched] = r.getRows()[0];
    process.stdout.write(JSON.stringify({ n, h, matched }) + '\n');
  }
  c.closeSync();
}

if (args[0] === '--duckdb-child') {
  await duckdbChild(args[1], args[2], args[3]);
  process.exit(0);
}

const quick = opts.has('--quick');
const entities = opts.num('--entities', quick ? 10_000 : 100_000);
const events = 10;
const spineRows = entities * 2;
const rounds = opts.num('--rounds', quick ? 2 : 3);
const format = opts.str('--format', 'parquet');
if (!['parquet', 'arrow'].includes(format)) throw new Error('--format must be parquet or arrow');

const YEAR0 = Date.UTC(2024, 0, 1) / 1000;
const SECS = 365 * 86400;
const iso = (secs) => new Date(secs * 1000).toISOString().replace('.000Z', 'Z');
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];

/** Writes features.csv (entities x events rows, shuffled, distinct times per user) and spine.csv. */
function generate(dir) {
  const r = rng(42);
  const rows = [];
  for (let u = 1; u <= entities; u++) {
    const times = new Set();
    while (times.size < events) times.add(YEAR0 + Math.floor(r() * SECS));
    for (const t of times) rows.push(`${u},${iso(t)},${(r() * 1000).toFixed(4)},${Math.floor(r() * 50)},${TIERS[Math.floor(r() * 4)]}`);
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  fs.writeFileSync(path.join(dir, 'features.csv'), 'user_id,ts,spend,visits,tier\n' + rows.join('\n') + '\n');
  const spine = [];
  // Users up to 5% beyond the feature history's, so some spine rows match nothing.
  for (let i = 0; i < spineRows; i++) spine.push(`${1 + Math.floor(r() * entities * 1.05)},${iso(YEAR0 + Math.floor(r() * SECS))},${r() < 0.2}`);
  fs.writeFileSync(path.join(dir, 'spine.csv'), 'user_id,label_ts,churned\n' + spine.join('\n') + '\n');
}

const DEFINITIONS = {
  entities: { user: { keys: ['user_id'] } },
  sources: {
    feats: { table: 'feats', entities: ['user'], event_time: 'ts' },
    spine: { table: 'spine', entities: ['user'], event_time: 'label_ts' },
  },
  features: {
    spend: { source: 'feats', column: 'spend' },
    visits: { source: 'feats', column: 'visits' },
    tier: { source: 'feats', column: 'tier' },
  },
  labels: { churned: { source: 'spine', column: 'churned' } },
  training_sets: { bench: { spine: 'spine', label: 'churned', features: ['spend', 'visits', 'tier'], as_of: { inclusive: true, created_cutoff: false } } },
};

const env = benchEnv();

/** Runs a setup step (not timed); its stdout. */
const run = (cmd, argv, cwd) => measure([cmd, ...argv], { cwd, env }).stdout;

const work = tempDir('fv-bench-build-');
try {
  console.error(`setup: ${entities * events} feature rows, ${spineRows} spine rows in ${work}`);
  generate(work);
  const repo = path.join(work, 'repo');
  run(process.execPath, [fvBin, 'init', repo], work);
  fs.writeFileSync(path.join(repo, 'features.json'), JSON.stringify(DEFINITIONS, null, 2) + '\n');
  // The feature history is keyed by (user_id, ts), as a feature log naturally is; the spine keeps file order.
  run(process.execPath, [fvBin, 'import', path.join(work, 'features.csv'), '--table', 'feats', '--key', 'user_id,ts', '-q'], repo);
  run(process.execPath, [fvBin, 'import', path.join(work, 'spine.csv'), '--table', 'spine', '-q'], repo);
  run(process.execPath, [fvBin, 'commit', '-q', '-m', 'bench data'], repo);

  const fvOut = path.join(work, `fv-out.${format}`);
  const duckOut = path.join(work, 'duck-out.parquet');
  const cases = {
    fv: () => measure([process.execPath, fvBin, 'build', 'bench', '-o', fvOut, '--lock', path.join(work, 'bench.lock.json')], { cwd: repo, env }),
    duckdb: () => measure([process.execPath, self, '--duckdb-child', work, duckOut, 'run'], { cwd: work, env }),
  };
  // CPU seconds (user + system, all threads) alongside wall time: on a shared, loaded
  // machine wall time mostly measures the other processes.
  const results = alternate(rounds, cases, (name, m, i) => console.error(`round ${i + 1} ${name}: ${m.secs.toFixed(2)} s, CPU ${m.cpu.toFixed(2)} s, ${m.rss.toFixed(0)} MB`));

  // Agreement (not timed): the same rows and values from both engines.
  const fvParquet = path.join(work, 'fv-verify.parquet');
  run(process.execPath, [fvBin, 'build', 'bench', '-o', fvParquet, '--lock', path.join(work, 'verify.lock.json')], repo);
  const sum = (file) => JSON.parse(run(process.execPath, [self, '--duckdb-child', work, file, 'checksum'], work));
  const a = sum(fvParquet);
  const b = sum(duckOut);
  const agree = a.n === b.n && a.h === b.h && a.matched === b.matched && Number(a.n) === spineRows;

  const fvT = median(results.fv.map((m) => m.secs));
  const dT = median(results.duckdb.map((m) => m.secs));
  console.log(`fv build vs DuckDB ASOF JOIN: ${entities * events} feature rows (${entities} entities x ${events}), ${spineRows} spine rows, output ${format}`);
  console.log(`rounds: ${rounds}, machine: ${machine()}`);
  console.log('case      median s   median CPU s   peak RSS MB');
  for (const [name, ms] of Object.entries(results)) {
    console.log(`${name.padEnd(10)}${median(ms.map((m) => m.secs)).toFixed(2).padStart(8)}   ${median(ms.map((m) => m.cpu)).toFixed(2).padStart(12)}   ${median(ms.map((m) => m.rss)).toFixed(0).padStart(11)}`);
  }
  console.log(`outputs agree: ${agree ? 'yes' : 'NO'} (fv rows ${a.n}, matched ${a.matched}, checksum ${a.h}; duckdb rows ${b.n}, matched ${b.matched}, checksum ${b.h})`);
  const fvC = median(results.fv.map((m) => m.cpu));
  const dC = median(results.duckdb.map((m) => m.cpu));
  // PASS in capitals is this script's own wording (run.mjs reads the verdict case-insensitively).
  goal(5, `fv/duckdb time ratio ${(fvT / dT).toFixed(2)} (goal <= 1.0: ${fvT / dT <= 1 ? 'PASS' : 'FAIL'}); CPU ratio ${(fvC / dC).toFixed(2)}`);
  if (!agree) process.exitCode = 1;
} finally {
  if (opts.has('--keep')) console.error(`kept ${work} (repo in repo/, CSVs beside it)`);
  else fs.rmSync(work, { recursive: true, force: true });
}
