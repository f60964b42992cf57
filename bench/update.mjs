#!/usr/bin/env node
// Goal 2 of the performance issue: a scattered update.
// Usage: node bench/update.mjs [--quick] [--rows N] [--rounds N]
// v1 is committed with fv and with native git (not timed); then, A B A B,
// `fv import v2 && fv commit` is timed against native git's second
// `git add && git commit` of the CSV, and each repository's growth is the
// bytes of the object files that step added (loose objects, no gc).
// v2 = v1 with 1% of rows changed (scattered) in one column + 0.5% new rows.
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
const timed = (cmd) => (hasTime ? `/usr/bin/time -f 'RSS %M' ${cmd}` : cmd);

function sh(script, cwd) {
  const r = spawnSync('bash', ['-c', script], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`failed: ${script}\n${r.stderr}`);
  return r;
}

/** Wall seconds and peak RSS (MB) of the biggest process of a script. */
function measure(script, cwd) {
  const t0 = process.hrtime.bigint();
  const r = sh(script, cwd);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = [...r.stderr.matchAll(/^RSS (\d+)$/gm)].map((m) => Number(m[1]) / 1024);
  return { secs, rss: rss.length ? Math.max(...rss) : NaN };
}

/** Total bytes of every file under .git/objects (loose objects and packs). */
function objectBytes(dir) {
  let total = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  };
  walk(path.join(dir, '.git', 'objects'));
  return total;
}

const fresh = () => fs.mkdtempSync(path.join(os.tmpdir(), 'fv-bench-update-'));

const cases = {
  'fv import+commit v2': () => {
    const d = fresh();
    spawnSync(process.execPath, [fvBin, 'init', d], { env });
    sh(`node ${fvBin} import ${v1} --table data --key user_id -q && node ${fvBin} commit -q -m v1`, d);
    const base = objectBytes(d);
    const m = measure(`${timed(`node ${fvBin} import ${v2} --table data --key user_id -q`)} && ${timed(`node ${fvBin} commit -q -m v2`)}`, d);
    return [{ ...m, base, growth: objectBytes(d) - base }, d];
  },
  'git add+commit v2': () => {
    const d = fresh();
    spawnSync('git', ['init', '-q', d]);
    fs.copyFileSync(v1, path.join(d, 'data.csv'));
    sh('git add data.csv && git commit -q -m v1', d);
    const base = objectBytes(d);
    fs.copyFileSync(v2, path.join(d, 'data.csv'));
    const m = measure(`${timed('git add data.csv')} && ${timed('git commit -q -m v2')}`, d);
    return [{ ...m, base, growth: objectBytes(d) - base }, d];
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
const mb = (b) => (b / 1e6).toFixed(2);
console.log(`rows: ${rows}, rounds: ${rounds}, machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);
console.log('case                      median s   peak RSS MB   v1 stored MB   growth MB   growth % of v1');
for (const [name, ms] of Object.entries(results)) {
  const base = median(ms.map((m) => m.base));
  const growth = median(ms.map((m) => m.growth));
  console.log(
    `${name.padEnd(26)}${median(ms.map((m) => m.secs)).toFixed(2).padStart(8)}   ${median(ms.map((m) => m.rss)).toFixed(0).padStart(11)}   ${mb(base).padStart(12)}   ${mb(growth).padStart(9)}   ${((100 * growth) / base).toFixed(2).padStart(14)}`,
  );
}
const fv = results['fv import+commit v2'];
const gitR = results['git add+commit v2'];
const ratio = median(fv.map((m) => m.secs)) / median(gitR.map((m) => m.secs));
const growthPct = (100 * median(fv.map((m) => m.growth))) / median(fv.map((m) => m.base));
console.log(`goal 2: time ratio ${ratio.toFixed(2)} (goal <= 1.0: ${ratio <= 1 ? 'pass' : 'FAIL'}); growth ${growthPct.toFixed(2)}% of v1 (goal <= 5%: ${growthPct <= 5 ? 'pass' : 'FAIL'})`);
