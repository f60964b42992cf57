#!/usr/bin/env node
// Reading, checkout and disk footprint (performance issue, goals 3, 7, 8), fv against native git in the same run.
// Usage: node bench/read.mjs [--quick] [--rows N] [--rounds N] [--keep] [--baseline-fv <path/to/bin/fv>]
//   --baseline-fv: also runs goal 8's export with another fv build (e.g. one from before the pack reader), for a before/after figure
//   goal 7: after committing v1 and v2, whole repository footprint / object store <= 1.2
//   goal 3: `fv checkout HEAD~1 -- data` (v1 restored from v2) vs `git checkout HEAD~1 -- data.csv`, A B A B, ratio <= 1.0
//   goal 8: after `git gc` packs v1 and v2 (plus a small table), `fv export` of the small table, peak RSS < 150 MB
// Also prints start-up times of `fv --version` and `fv status` (medians, same rounds).
// Prints lines starting with `goal <N>:` for bench/run.mjs to collect.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alternate, benchEnv, du, ensureData, fvBin, goal, machine, measure as measureProcess, median, parseArgs, tempDir, verdict } from './lib.mjs';

const opts = parseArgs();
const quick = opts.has('--quick');
const rows = opts.num('--rows', quick ? 100_000 : 1_000_000);
const rounds = opts.num('--rounds', quick ? 3 : 5);
const { v1, v2 } = ensureData(rows);
const env = benchEnv({ NO_COLOR: '1' });

/** Runs a command; wall seconds and peak RSS in MB (NaN without /usr/bin/time). Throws if it fails. */
const measure = (cmd, argv, cwd) => measureProcess([cmd, ...argv], { cwd, env });
const fv = (cwd, ...argv) => measure(process.execPath, [fvBin, ...argv], cwd);
const git = (cwd, ...argv) => measure('git', argv, cwd);
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

const work = tempDir('fv-bench-read-');
console.log(`rows: ${rows}, rounds: ${rounds}, machine: ${machine()}`);

// ---- the fv repository with v1 and v2 committed, and the same CSVs in plain git ----
const repo = path.join(work, 'fv');
fs.mkdirSync(repo);
fv(repo, 'init');
fv(repo, 'import', v1, '--table', 'data', '--key', 'user_id', '-q');
fv(repo, 'commit', '-q', '-m', 'v1');
fv(repo, 'import', v2, '--table', 'data', '--key', 'user_id', '-q');
fv(repo, 'commit', '-q', '-m', 'v2');

const plain = path.join(work, 'git');
fs.mkdirSync(plain);
git(plain, 'init', '-q');
fs.copyFileSync(v1, path.join(plain, 'data.csv'));
git(plain, 'add', 'data.csv');
git(plain, 'commit', '-q', '-m', 'v1');
fs.copyFileSync(v2, path.join(plain, 'data.csv'));
git(plain, 'add', 'data.csv');
git(plain, 'commit', '-q', '-m', 'v2');

// ---- goal 7: footprint ----
{
  const objects = du(path.join(repo, '.git', 'objects'));
  const whole = du(repo);
  const gitObjects = du(path.join(plain, '.git', 'objects'));
  const gitWhole = du(plain);
  const ratio = whole / objects;
  console.log(`footprint after v1+v2: fv object store ${mb(objects)} MB, whole repository ${mb(whole)} MB; plain git object store ${mb(gitObjects)} MB, whole ${mb(gitWhole)} MB (ratio ${(gitWhole / gitObjects).toFixed(2)})`);
  goal(7, `fv footprint/object store ratio ${ratio.toFixed(3)} (goal <= 1.2: ${verdict(ratio <= 1.2)})`);
}

// ---- goal 3: checkout of v1 from v2, A B A B; start-up of small commands alongside ----
{
  // Each checkout case puts v2 back (not timed) for the next round.
  const t = alternate(rounds, {
    fv: () => {
      const secs = fv(repo, 'checkout', 'HEAD~1', '--', 'data').secs;
      fv(repo, 'checkout', 'HEAD', '--', 'data');
      return secs;
    },
    git: () => {
      const secs = git(plain, 'checkout', 'HEAD~1', '--', 'data.csv').secs;
      git(plain, 'checkout', 'HEAD', '--', 'data.csv');
      return secs;
    },
    version: () => fv(repo, '--version').secs,
    status: () => fv(repo, 'status').secs,
  });
  const [f, g] = [median(t.fv), median(t.git)];
  console.log(`checkout v1 from v2: fv ${f.toFixed(3)} s, git ${g.toFixed(3)} s (medians of ${rounds}); start-up: fv --version ${median(t.version).toFixed(3)} s, fv status ${median(t.status).toFixed(3)} s`);
  goal(3, `fv/git checkout time ratio ${(f / g).toFixed(2)} (goal <= 1.0: ${verdict(f / g <= 1)})`);
}

// ---- goal 8: reading one small table after git gc ----
{
  const small = path.join(work, 'small.csv');
  // Integers and plain strings only, so fv's export prints them exactly as written here.
  fs.writeFileSync(small, 'id,name,qty\n' + Array.from({ length: 1000 }, (_, i) => `${i},name ${i % 37},${(i * 7) % 101}`).join('\n') + '\n');
  fv(repo, 'import', small, '--table', 'small', '--key', 'id', '-q');
  fv(repo, 'commit', '-q', '-m', 'small');
  const gc = git(repo, 'gc', '-q', '--prune=now');
  const packDir = path.join(repo, '.git', 'objects', 'pack');
  const packs = fs.readdirSync(packDir).filter((f) => f.endsWith('.pack'));
  const packBytes = packs.reduce((s, f) => s + fs.statSync(path.join(packDir, f)).size, 0);
  const exported = path.join(work, 'small-out.csv');
  const rss = [];
  const secs = [];
  for (let i = 0; i < rounds; i++) {
    const m = fv(repo, 'export', 'small', '-o', exported);
    rss.push(m.rss);
    secs.push(m.secs);
  }
  if (fs.readFileSync(exported, 'utf8') !== fs.readFileSync(small, 'utf8')) throw new Error('the exported small table differs from its input');
  const baseline = opts.str('--baseline-fv');
  if (baseline !== undefined) {
    const m = measure(process.execPath, [path.resolve(baseline), 'export', 'small', '-o', exported], repo);
    console.log(`baseline ${baseline}: fv export small ${m.secs.toFixed(3)} s, peak RSS ${m.rss.toFixed(0)} MB`);
  }
  const big = fv(repo, 'export', 'data', '--at', 'HEAD~1', '-o', path.join(work, 'v2-out.csv'));
  const peak = Math.max(...rss);
  console.log(`after git gc (${gc.secs.toFixed(1)} s): ${packs.length} pack(s), ${mb(packBytes)} MB; fv export small: ${median(secs).toFixed(3)} s, peak RSS ${peak.toFixed(0)} MB; fv export of v2 (${rows} rows) from the pack: ${big.secs.toFixed(2)} s, peak RSS ${big.rss.toFixed(0)} MB`);
  goal(8, `fv export of a small table from a ${mb(packBytes)} MB pack, peak RSS ${peak.toFixed(0)} MB (goal < 150: ${verdict(peak < 150)})`);
}

if (opts.has('--keep')) console.log(`kept ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
