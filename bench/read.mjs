#!/usr/bin/env node
// Reading, checkout and disk footprint (performance issue, goals 3, 7, 8), fv against native git in the same run.
// Usage: node bench/read.mjs [--quick] [--rows N] [--rounds N] [--keep] [--baseline-fv <path/to/bin/fv>]
//   --baseline-fv: also runs goal 8's export with another fv build (e.g. one from before the pack reader), for a before/after figure
//   goal 7: after committing v1 and v2, whole repository footprint / object store <= 1.2
//   goal 3: `fv checkout HEAD~1 -- data` (v1 restored from v2) vs `git checkout HEAD~1 -- data.csv`, A B A B, ratio <= 1.0
//   goal 8: after `git gc` packs v1 and v2 (plus a small table), `fv export` of the small table, peak RSS < 150 MB
// Also prints start-up times of `fv --version` and `fv status` (medians, same rounds).
// Prints lines starting with `goal <N>:` for bench/run.mjs to collect.
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
const rounds = opt('--rounds', quick ? 3 : 5);
const out = path.join(here, 'out');
fs.mkdirSync(out, { recursive: true });
const v1 = path.join(out, `v1-${rows}.csv`);
const v2 = path.join(out, `v2-${rows}.csv`);
if (!fs.existsSync(v1) || !fs.existsSync(v2)) {
  console.error(`generating ${rows} rows...`);
  const g = spawnSync(process.execPath, [path.join(here, 'generate.mjs'), String(rows), v1, '--v2', v2], { stdio: 'inherit' });
  if (g.status !== 0) throw new Error('generating the data failed');
}
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@fv.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@fv.invalid', NO_COLOR: '1' };
const hasTime = fs.existsSync('/usr/bin/time');

/** Runs a command; returns wall seconds and peak RSS in MB (NaN without /usr/bin/time). Throws if it fails. */
function measure(cmd, argv, cwd) {
  const full = hasTime ? ['/usr/bin/time', ['-f', 'RSS %M', cmd, ...argv]] : [cmd, argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full[1], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`failed (${r.status}): ${cmd} ${argv.join(' ')}\n${r.stderr}`);
  const m = /^RSS (\d+)$/m.exec(r.stderr);
  return { secs, rss: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout };
}
const fv = (cwd, ...argv) => measure(process.execPath, [fvBin, ...argv], cwd);
const git = (cwd, ...argv) => measure('git', argv, cwd);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Disk usage in bytes (allocated blocks, as `du` counts them). */
const du = (p) => Number(spawnSync('du', ['-sk', p], { encoding: 'utf8' }).stdout.split('\t')[0]) * 1024;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const verdict = (ok) => (ok ? 'pass' : 'FAIL');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fv-bench-read-'));
console.log(`rows: ${rows}, rounds: ${rounds}, machine: ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`);

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
  console.log(`goal 7: fv footprint/object store ratio ${ratio.toFixed(3)} (goal <= 1.2: ${verdict(ratio <= 1.2)})`);
}

// ---- goal 3: checkout of v1 from v2, A B A B; start-up of small commands alongside ----
{
  const t = { fv: [], git: [], version: [], status: [] };
  for (let i = 0; i < rounds; i++) {
    t.fv.push(fv(repo, 'checkout', 'HEAD~1', '--', 'data').secs);
    fv(repo, 'checkout', 'HEAD', '--', 'data');
    t.git.push(git(plain, 'checkout', 'HEAD~1', '--', 'data.csv').secs);
    git(plain, 'checkout', 'HEAD', '--', 'data.csv');
    t.version.push(fv(repo, '--version').secs);
    t.status.push(fv(repo, 'status').secs);
  }
  const [f, g] = [median(t.fv), median(t.git)];
  console.log(`checkout v1 from v2: fv ${f.toFixed(3)} s, git ${g.toFixed(3)} s (medians of ${rounds}); start-up: fv --version ${median(t.version).toFixed(3)} s, fv status ${median(t.status).toFixed(3)} s`);
  console.log(`goal 3: fv/git checkout time ratio ${(f / g).toFixed(2)} (goal <= 1.0: ${verdict(f / g <= 1)})`);
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
  const baselineAt = args.indexOf('--baseline-fv');
  if (baselineAt >= 0) {
    const m = measure(process.execPath, [path.resolve(args[baselineAt + 1]), 'export', 'small', '-o', exported], repo);
    console.log(`baseline ${args[baselineAt + 1]}: fv export small ${m.secs.toFixed(3)} s, peak RSS ${m.rss.toFixed(0)} MB`);
  }
  const big = fv(repo, 'export', 'data', '--at', 'HEAD~1', '-o', path.join(work, 'v2-out.csv'));
  const peak = Math.max(...rss);
  console.log(`after git gc (${gc.secs.toFixed(1)} s): ${packs.length} pack(s), ${mb(packBytes)} MB; fv export small: ${median(secs).toFixed(3)} s, peak RSS ${peak.toFixed(0)} MB; fv export of v2 (${rows} rows) from the pack: ${big.secs.toFixed(2)} s, peak RSS ${big.rss.toFixed(0)} MB`);
  console.log(`goal 8: fv export of a small table from a ${mb(packBytes)} MB pack, peak RSS ${peak.toFixed(0)} MB (goal < 150: ${verdict(peak < 150)})`);
}

if (args.includes('--keep')) console.log(`kept ${work}`);
else fs.rmSync(work, { recursive: true, force: true });
