#!/usr/bin/env node
// The performance issue's benchmark driver: every goal's ratio and pass/FAIL in one table.
// Usage: npm run bench [-- --quick] [-- --rows N] [-- --rounds N] [-- --scale] [-- --only-import]
//
// Goal 1 runs here: `fv import v1.csv --key user_id && fv commit` against
// `git add && git commit` of the same CSV, A B A B, medians over the rounds;
// peak RSS is the largest of the two processes (/usr/bin/time -v).
// Goal 6 (--scale): the 10M-row v1, import+commit once, time against this
// run's 1M-row median and peak RSS against 1 GB (the CSV is generated once, ~1.2 GB).
// Then each sibling script that exists (bench/update.mjs goal 2, read.mjs
// goals 3/7/8, diff.mjs goal 4, build.mjs goal 5) runs with the same --quick /
// --rounds / --rows; every line it prints that starts with `goal <N>:` is collected
// into the summary table at the end. A missing or failing sibling is noted, not fatal.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alternate, benchDir, benchEnv, ensureData, fvBin, goalLines as goalLinesOf, goalNumber, measureShell, median, parseArgs, summaryVerdict, tempDir, timed, verdict } from './lib.mjs';

const opts = parseArgs();
const quick = opts.has('--quick');
const rows = opts.num('--rows', quick ? 100_000 : 1_000_000);
const rounds = opts.num('--rounds', quick ? 1 : 3);
const scale = opts.has('--scale');
const scaleRows = opts.num('--scale-rows', 10_000_000);
const onlyImport = opts.has('--only-import');

const { v1 } = ensureData(rows);
const env = benchEnv();
const loadAtStart = os.loadavg()[0];
const fresh = () => tempDir('fv-bench-');
const measure = (script, cwd) => measureShell(script, { cwd, env });

/** fv import + commit of `csv` into a new repository; import and commit are also timed apart. */
function fvImportCommit(csv) {
  const d = fresh();
  try {
    spawnSync(process.execPath, [fvBin, 'init', d], { env });
    const imp = measure(timed(`node ${fvBin} import ${csv} --table data --key user_id -q`), d);
    const com = measure(timed(`node ${fvBin} commit -q -m v1`), d);
    return { secs: imp.secs + com.secs, rss: Math.max(imp.rss, com.rss), importSecs: imp.secs, commitSecs: com.secs };
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

function gitAddCommit(csv) {
  const d = fresh();
  try {
    spawnSync('git', ['init', '-q', d]);
    fs.copyFileSync(csv, path.join(d, 'data.csv'));
    return measure(`${timed('git add data.csv')} && ${timed('git commit -q -m v1')}`, d);
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

// ---- goal 1 ----
const goal1 = alternate(rounds, { fv: () => fvImportCommit(v1), git: () => gitAddCommit(v1) });
const fvRuns = goal1.fv;
const gitRuns = goal1.git;
const fvT = median(fvRuns.map((m) => m.secs));
const gitT = median(gitRuns.map((m) => m.secs));
const fvRss = median(fvRuns.map((m) => m.rss));
const goalLines = [];
const report = (line) => {
  console.log(line);
  goalLines.push(line);
};
console.log(`rows: ${rows}, rounds: ${rounds}, machine: ${os.cpus().length} cores, load ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} now`);
console.log('case                           median s   peak RSS MB');
const row = (name, secs, rss) => console.log(`${name.padEnd(31)}${secs.toFixed(2).padStart(8)}   ${Number.isNaN(rss) ? '     n/a' : rss.toFixed(0).padStart(8)}`);
row('fv import+commit v1', fvT, fvRss);
row('  of which fv import', median(fvRuns.map((m) => m.importSecs)), NaN);
row('  of which fv commit', median(fvRuns.map((m) => m.commitSecs)), NaN);
row('git add+commit v1', gitT, median(gitRuns.map((m) => m.rss)));
report(`goal 1: fv/git time ratio ${(fvT / gitT).toFixed(2)} (goal <= 1.0: ${verdict(fvT / gitT <= 1)}); fv peak RSS ${fvRss.toFixed(0)} MB (goal <= 400: ${verdict(fvRss <= 400)})`);

// ---- goal 6 ----
if (scale) {
  const big = ensureData(scaleRows, { v2: false }).v1;
  const m = fvImportCommit(big);
  const ratio = m.secs / fvT;
  const allowed = (scaleRows / rows) * 1.1;
  row(`fv import+commit ${scaleRows / 1e6}M rows`, m.secs, m.rss);
  report(`goal 6: ${scaleRows}-row import+commit ${m.secs.toFixed(1)} s = ${ratio.toFixed(2)}x the ${rows}-row time (goal <= ${allowed.toFixed(1)}: ${verdict(ratio <= allowed)}); peak RSS ${m.rss.toFixed(0)} MB (goal <= 1024: ${verdict(m.rss <= 1024)}); checkout and diff at scale not measured here`);
} else {
  goalLines.push('goal 6: not run (pass --scale; generates and imports the 10M-row v1)');
}

// ---- the sibling scripts ----
// The performance issue's goals are numbered 1 to 8.
const GOAL_COUNT = 8;
const siblings = [
  ['update.mjs', 'goal 2'],
  ['read.mjs', 'goals 3, 7, 8'],
  ['diff.mjs', 'goal 4'],
  ['build.mjs', 'goal 5'],
];
const notes = [];
if (!onlyImport) {
  for (const [script, goals] of siblings) {
    const file = path.join(benchDir, script);
    if (!fs.existsSync(file)) {
      notes.push(`bench/${script} (${goals}): missing, skipped`);
      continue;
    }
    console.log(`\n== bench/${script} (${goals}) ==`);
    const a = [file, ...(quick ? ['--quick'] : []), ...(opts.has('--rounds') ? ['--rounds', String(rounds)] : []), ...(opts.has('--rows') ? ['--rows', String(rows)] : [])];
    const r = spawnSync(process.execPath, a, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    process.stdout.write(r.stdout ?? '');
    const found = goalLinesOf(r.stdout ?? '');
    goalLines.push(...found);
    if (r.status !== 0) notes.push(`bench/${script} (${goals}): exited with status ${r.status}${found.length ? '' : ', no goal lines'}`);
    else if (found.length === 0) notes.push(`bench/${script} (${goals}): printed no goal lines`);
  }
}

// ---- summary ----
console.log(`\n== summary (rows ${rows}, rounds ${rounds}, load ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end) ==`);
console.log('goal  verdict  measured');
// Every goal of the issue gets a row, so one whose script was skipped or failed is not silently missing.
for (let n = 1; n <= GOAL_COUNT; n++) {
  if (!goalLines.some((l) => goalNumber(l) === n)) goalLines.push(`goal ${n}: not run (no goal line: ${onlyImport ? '--only-import' : 'its script was skipped or failed, see the notes'})`);
}
for (const line of [...goalLines].sort((a, b) => goalNumber(a) - goalNumber(b))) {
  const text = line.replace(/^goal \d+:\s*/, '');
  console.log(`${String(goalNumber(line)).padEnd(6)}${summaryVerdict(line).padEnd(9)}${text}`);
}
for (const n of notes) console.log(`note: ${n}`);
