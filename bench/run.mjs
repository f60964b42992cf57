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
// --rounds; every line it prints that starts with `goal <N>:` is collected
// into the summary table at the end. A missing or failing sibling is noted, not fatal.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const fvBin = path.join(here, '..', 'bin', 'fv');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const quick = args.includes('--quick');
const rows = opt('--rows', quick ? 100_000 : 1_000_000);
const rounds = opt('--rounds', quick ? 1 : 3);
const scale = args.includes('--scale');
const scaleRows = opt('--scale-rows', 10_000_000);
const onlyImport = args.includes('--only-import');
const out = path.join(here, 'out');
fs.mkdirSync(out, { recursive: true });

function generate(n, withV2) {
  const v1 = path.join(out, `v1-${n}.csv`);
  const v2 = path.join(out, `v2-${n}.csv`);
  if (!fs.existsSync(v1) || (withV2 && !fs.existsSync(v2))) {
    console.error(`generating ${n} rows...`);
    const r = spawnSync(process.execPath, [path.join(here, 'generate.mjs'), String(n), v1, ...(withV2 ? ['--v2', v2] : [])], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('bench/generate.mjs failed');
  }
  return v1;
}
const v1 = generate(rows, true);
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@fv.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@fv.invalid' };
const hasTime = fs.existsSync('/usr/bin/time');
const loadAtStart = os.loadavg()[0];

/** Runs a shell script; returns wall seconds and the peak RSS (MB) of its biggest process. */
function measure(script, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`failed: ${script}\n${r.stderr}`);
  const rss = [...r.stderr.matchAll(/^RSS (\d+)$/gm)].map((m) => Number(m[1]) / 1024);
  return { secs, rss: rss.length ? Math.max(...rss) : NaN };
}

const timed = (cmd) => (hasTime ? `/usr/bin/time -f 'RSS %M' ${cmd}` : cmd);
const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fv-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
const fvRuns = [];
const gitRuns = [];
for (let i = 0; i < rounds; i++) {
  fvRuns.push(fvImportCommit(v1));
  gitRuns.push(gitAddCommit(v1));
}
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
report(`goal 1: fv/git time ratio ${(fvT / gitT).toFixed(2)} (goal <= 1.0: ${fvT / gitT <= 1 ? 'pass' : 'FAIL'}); fv peak RSS ${fvRss.toFixed(0)} MB (goal <= 400: ${fvRss <= 400 ? 'pass' : 'FAIL'})`);

// ---- goal 6 ----
if (scale) {
  const big = generate(scaleRows, false);
  const m = fvImportCommit(big);
  const ratio = m.secs / fvT;
  const allowed = (scaleRows / rows) * 1.1;
  row(`fv import+commit ${scaleRows / 1e6}M rows`, m.secs, m.rss);
  report(`goal 6: ${scaleRows}-row import+commit ${m.secs.toFixed(1)} s = ${ratio.toFixed(2)}x the ${rows}-row time (goal <= ${allowed.toFixed(1)}: ${ratio <= allowed ? 'pass' : 'FAIL'}); peak RSS ${m.rss.toFixed(0)} MB (goal <= 1024: ${m.rss <= 1024 ? 'pass' : 'FAIL'}); checkout and diff at scale not measured here`);
} else {
  goalLines.push('goal 6: not run (pass --scale; generates and imports the 10M-row v1)');
}

// ---- the sibling scripts ----
const siblings = [
  ['update.mjs', 'goal 2'],
  ['read.mjs', 'goals 3, 7, 8'],
  ['diff.mjs', 'goal 4'],
  ['build.mjs', 'goal 5'],
];
const notes = [];
if (!onlyImport) {
  for (const [script, goals] of siblings) {
    const file = path.join(here, script);
    if (!fs.existsSync(file)) {
      notes.push(`bench/${script} (${goals}): missing, skipped`);
      continue;
    }
    console.log(`\n== bench/${script} (${goals}) ==`);
    const a = [file, ...(quick ? ['--quick'] : []), ...(args.includes('--rounds') ? ['--rounds', String(rounds)] : [])];
    const r = spawnSync(process.execPath, a, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    process.stdout.write(r.stdout ?? '');
    const found = (r.stdout ?? '').split('\n').filter((l) => /^goal \d+/.test(l));
    goalLines.push(...found);
    if (r.status !== 0) notes.push(`bench/${script} (${goals}): exited with status ${r.status}${found.length ? '' : ', no goal lines'}`);
    else if (found.length === 0) notes.push(`bench/${script} (${goals}): printed no goal lines`);
  }
}

// ---- summary ----
const verdict = (line) => (/not run|skipped/i.test(line) ? 'n/a' : /FAIL/.test(line) ? 'FAIL' : /pass/i.test(line) ? 'pass' : '?');
const goalNo = (line) => Number(/^goal (\d+)/.exec(line)?.[1] ?? 99);
console.log(`\n== summary (rows ${rows}, rounds ${rounds}, load ${loadAtStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end) ==`);
console.log('goal  verdict  measured');
for (const line of [...goalLines].sort((a, b) => goalNo(a) - goalNo(b))) {
  const text = line.replace(/^goal \d+:\s*/, '');
  console.log(`${String(goalNo(line)).padEnd(6)}${verdict(line).padEnd(9)}${text}`);
}
for (const n of notes) console.log(`note: ${n}`);
