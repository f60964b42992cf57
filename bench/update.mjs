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
import * as path from 'node:path';
import { alternate, benchEnv, ensureData, fvBin, goal, machine, measureShell, median, parseArgs, tempDir, timed, verdict } from './lib.mjs';

const opts = parseArgs();
const quick = opts.has('--quick');
const rows = opts.num('--rows', quick ? 100_000 : 1_000_000);
const rounds = opts.num('--rounds', quick ? 1 : 3);
const { v1, v2 } = ensureData(rows);
const env = benchEnv();
// Setup (v1's commit, not timed) runs through it as well, so that a failure stops the script.
const measure = (script, cwd) => measureShell(script, { cwd, env });

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

const fresh = () => tempDir('fv-bench-update-');

const cases = {
  'fv import+commit v2': () => {
    const d = fresh();
    spawnSync(process.execPath, [fvBin, 'init', d], { env });
    measure(`node ${fvBin} import ${v1} --table data --key user_id -q && node ${fvBin} commit -q -m v1`, d);
    const base = objectBytes(d);
    const m = measure(`${timed(`node ${fvBin} import ${v2} --table data --key user_id -q`)} && ${timed(`node ${fvBin} commit -q -m v2`)}`, d);
    return { ...m, base, growth: objectBytes(d) - base, dir: d };
  },
  'git add+commit v2': () => {
    const d = fresh();
    spawnSync('git', ['init', '-q', d]);
    fs.copyFileSync(v1, path.join(d, 'data.csv'));
    measure('git add data.csv && git commit -q -m v1', d);
    const base = objectBytes(d);
    fs.copyFileSync(v2, path.join(d, 'data.csv'));
    const m = measure(`${timed('git add data.csv')} && ${timed('git commit -q -m v2')}`, d);
    return { ...m, base, growth: objectBytes(d) - base, dir: d };
  },
};

// Each case leaves its repository behind for the growth measurement; it is removed as soon as the round is measured.
const results = alternate(rounds, cases, (name, r) => fs.rmSync(r.dir, { recursive: true, force: true }));
const mb = (b) => (b / 1e6).toFixed(2);
console.log(`rows: ${rows}, rounds: ${rounds}, machine: ${machine()}`);
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
goal(2, `time ratio ${ratio.toFixed(2)} (goal <= 1.0: ${verdict(ratio <= 1)}); growth ${growthPct.toFixed(2)}% of v1 (goal <= 5%: ${verdict(growthPct <= 5)})`);
