#!/usr/bin/env node
// fv against native git on the same data, in the same run (A B A B ...).
// Usage: npm run bench [-- --quick] [-- --rows N] [-- --rounds N]
// Prints medians, ratios and peak RSS. Goal 1 of the performance issue:
// `fv import v1.csv --key user_id && fv commit` at most 1.0x
// `git add && git commit` of the same CSV, peak RSS at most 400 MB.
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
const out = path.join(here, 'out');
fs.mkdirSync(out, { recursive: true });
const v1 = path.join(out, `v1-${rows}.csv`);
const v2 = path.join(out, `v2-${rows}.csv`);
if (!fs.existsSync(v1) || !fs.existsSync(v2)) {
  console.error(`generating ${rows} rows...`);
  spawnSync(process.execPath, [path.join(here, 'generate.mjs'), String(rows), v1, '--v2', v2], { stdio: 'inherit' });
}
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@fv.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@fv.invalid' };
const hasTime = fs.existsSync('/usr/bin/time');

/** Runs a shell script; returns wall seconds and the peak RSS (MB) of its biggest process. */
function measure(script, cwd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-c', script], { cwd, env, encoding: 'utf8' });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`failed: ${script}\n${r.stderr}`);
  const rss = [...r.stderr.matchAll(/^RSS (\d+)$/gm)].map((m) => Number(m[1]) / 1024);
  return { secs, rss: rss.length ? Math.max(...rss) : NaN };
}

const timed = (cmd) => (hasTime ? `/usr/bin/time -f 'RSS %M' ${cmd}` : cmd);
const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fv-bench-'));

const cases = {
  'fv import+commit v1': () => {
    const d = fresh();
    spawnSync(process.execPath, [fvBin, 'init', d], { env });
    return [measure(`${timed(`node ${fvBin} import ${v1} --table data --key user_id -q`)} && ${timed(`node ${fvBin} commit -q -m v1`)}`, d), d];
  },
  'git add+commit v1': () => {
    const d = fresh();
    spawnSync('git', ['init', '-q', d]);
    fs.copyFileSync(v1, path.join(d, 'data.csv'));
    return [measure(`${timed('git add data.csv')} && ${timed('git commit -q -m v1')}`, d), d];
  },
};

const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < rounds; i++) {
  for (const [name, run] of Object.entries(cases)) {
    const [m, d] = run();
    results[name].push(m);
    fs.rmSync(d, { recursive: true, force: true });
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`rows: ${rows}, rounds: ${rounds}, machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
console.log('case                      median s   peak RSS MB');
for (const [name, ms] of Object.entries(results)) {
  console.log(`${name.padEnd(26)}${median(ms.map((m) => m.secs)).toFixed(2).padStart(8)}   ${median(ms.map((m) => m.rss)).toFixed(0).padStart(8)}`);
}
const fvT = median(results['fv import+commit v1'].map((m) => m.secs));
const gitT = median(results['git add+commit v1'].map((m) => m.secs));
const fvRss = median(results['fv import+commit v1'].map((m) => m.rss));
console.log(`goal 1: fv/git time ratio ${(fvT / gitT).toFixed(2)} (goal <= 1.0: ${fvT / gitT <= 1 ? 'pass' : 'FAIL'}); fv peak RSS ${fvRss.toFixed(0)} MB (goal <= 400: ${fvRss <= 400 ? 'pass' : 'FAIL'})`);
