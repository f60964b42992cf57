#!/usr/bin/env node
// The performance issue's benchmark driver: every goal's ratio and pass/FAIL in one table.
// Usage: npm run bench [-- --quick] [-- --rows N] [-- --rounds N] [-- --scale] [-- --only-import]
//
// Goal 1 runs here: `fv import v1.csv --key user_id && fv commit` against
// `git add && git commit` of the same CSV, A B A B, medians over the rounds;
// peak RSS is the largest of the two processes (/usr/bin/time -v).
// Goal 6 (--scale): the loop import v1, commit, import v2, commit, diff,
// checkout, once at the 1M size and once at 10M; each 10M step's time against
// the same step at 1M (<= 11x) and its peak RSS against 1 GB (the 10M CSVs
// are generated once, ~1.2 GB each).
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
/**
 * A user's loop over one table at one size: import+commit v1, import+commit
 * v2 over it (the next version: a patch or a rewrite), diff the two commits,
 * check v1 out again. Each step's wall seconds and peak RSS.
 */
function versionLoop(v1, v2) {
  const d = fresh();
  const fv = (args) => timed(`node ${fvBin} ${args}`);
  try {
    spawnSync(process.execPath, [fvBin, 'init', d], { env });
    return {
      first: measure(`${fv(`import ${v1} --table data --key user_id -q`)} && ${fv('commit -q -m v1')}`, d),
      next: measure(`${fv(`import ${v2} --table data -q`)} && ${fv('commit -q -m v2')}`, d),
      // fv diff exits 1 when the versions differ, which they do.
      diff: measure(`${fv('diff HEAD~1 HEAD --stat')} >/dev/null || [ $? -eq 1 ]`, d),
      checkout: measure(fv('checkout HEAD~1 -- data'), d),
    };
  } finally {
    fs.rmSync(d, { recursive: true, force: true });
  }
}

if (scale) {
  // The same loop at both sizes in this run: the time ratio is against this
  // run's own small loop, the memory goal is absolute.
  const small = versionLoop(v1, ensureData(rows).v2);
  const bigData = ensureData(scaleRows);
  const big = versionLoop(bigData.v1, bigData.v2);
  const allowed = (scaleRows / rows) * 1.1;
  const steps = [
    ['first', 'import+commit v1'],
    ['next', 'import+commit v2 over v1'],
    ['diff', 'diff v1..v2'],
    ['checkout', 'checkout v1'],
  ];
  for (const [k, what] of steps) {
    const ratio = big[k].secs / small[k].secs;
    row(`fv ${what} ${scaleRows / 1e6}M`, big[k].secs, big[k].rss);
    report(`goal 6: ${scaleRows}-row ${what} ${big[k].secs.toFixed(1)} s = ${ratio.toFixed(2)}x the ${rows}-row time ${small[k].secs.toFixed(2)} s (goal <= ${allowed.toFixed(1)}: ${verdict(ratio <= allowed)}); peak RSS ${big[k].rss.toFixed(0)} MB (goal <= 1024: ${verdict(big[k].rss <= 1024)})`);
  }
} else {
  goalLines.push('goal 6: not run (pass --scale; generates the 10M-row v1 and v2 and runs import, the next version, diff and checkout at both sizes)');
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
