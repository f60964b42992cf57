#!/usr/bin/env node
// Remote memory (issue 8): peak RSS of `fv push` of a repository holding
// --mb MiB of chunks spread over --commits commits, of `fv clone` of it, and
// of `fv export` of one small table inside the clone. Goals: push RSS at
// most ~2x the chunk bytes; export in the clone under 150 MB.
// A real server: git http-backend behind test/helpers/git-http-server.mjs.
// Usage: node bench/remote.mjs [--mb 300] [--commits 10] [--step-mb 64]
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchDir, benchEnv, du, fvBin, measure, parseArgs, tempDir } from './lib.mjs';

const opts = parseArgs();
const mb = opts.num('--mb', 30);
const commits = opts.num('--commits', 10);
const stepMb = opts.num('--step-mb', 64);

const work = tempDir('fv-bench-remote-');
const env = benchEnv({ FV_PUSH_STEP_BYTES: String(stepMb * 1024 * 1024) });

/** Runs fv under /usr/bin/time; returns peak RSS in MiB (NaN without it) and seconds. */
function measured(cwd, ...a) {
  const m = measure([process.execPath, fvBin, ...a], { cwd, env });
  return { rssMiB: m.rss, seconds: m.secs, stdout: m.stdout };
}

/** Runs one fv step (not measured); its stdout. */
const fv = (cwd, ...a) => measured(cwd, ...a).stdout;

// Rows of random base64: chunks that barely compress, so pack size ~ chunk size.
function writeCsv(file, bytes, seed) {
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'id,payload\n');
  let written = 0;
  let id = 0;
  while (written < bytes) {
    const lines = [];
    for (let i = 0; i < 1000; i++) lines.push(`${seed * 10_000_000 + id++},${crypto.randomBytes(48).toString('base64')}`);
    const s = lines.join('\n') + '\n';
    fs.writeSync(fd, s);
    written += s.length;
  }
  fs.closeSync(fd);
}

const server = spawn(process.execPath, [path.join(benchDir, '..', 'test', 'helpers', 'git-http-server.mjs'), path.join(work, 'srv')], { stdio: ['ignore', 'pipe', 'inherit'] });
fs.mkdirSync(path.join(work, 'srv'));
const port = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /port (\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
});
try {
  spawnSync('git', ['init', '-q', '--bare', '-b', 'main', path.join(work, 'srv', 'big.git')]);
  spawnSync('git', ['-C', path.join(work, 'srv', 'big.git'), 'config', 'http.receivepack', 'true']);
  const repo = path.join(work, 'repo');
  fv(work, 'init', repo);
  const perCommit = Math.ceil((mb * 1024 * 1024) / commits);
  for (let i = 0; i < commits; i++) {
    const csv = path.join(work, `t${i}.csv`);
    writeCsv(csv, perCommit, i);
    fv(repo, 'import', csv, '--table', `t${i}`, '--key', 'id', '-q');
    fs.rmSync(csv);
    fv(repo, 'commit', '-m', `table ${i}`, '-q');
    process.stderr.write(`commit ${i + 1}/${commits}\r`);
  }
  fs.writeFileSync(path.join(work, 'small.csv'), 'id,v\n1,a\n2,b\n3,c\n');
  fv(repo, 'import', path.join(work, 'small.csv'), '--table', 'small', '--key', 'id', '-q');
  fv(repo, 'commit', '-m', 'small table', '-q');
  let chunkBytes = 0;
  for (let i = 0; i < commits; i++) {
    const m = JSON.parse(spawnSync('git', ['-C', repo, 'cat-file', 'blob', `HEAD:.fv/tables/t${i}/manifest.json`], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout);
    for (const c of m.chunks) chunkBytes += c.bytes;
  }
  fv(repo, 'remote', 'add', 'origin', `http://127.0.0.1:${port}/big.git`);

  const push = measured(repo, 'push', '--json');
  const steps = JSON.parse(push.stdout).steps;
  const parent = path.join(work, 'clones');
  fs.mkdirSync(parent);
  const clone = measured(parent, 'clone', `http://127.0.0.1:${port}/big.git`, 'c', '-q');
  const exp = measured(path.join(parent, 'c'), 'export', 'small', '-o', path.join(work, 'small-out.csv'));
  const same = fs.readFileSync(path.join(work, 'small-out.csv'), 'utf8') === 'id,v\n1,a\n2,b\n3,c\n';

  const result = {
    mb_requested: mb,
    commits,
    step_mb: stepMb,
    chunk_bytes_mib: +(chunkBytes / 1024 / 1024).toFixed(1),
    git_dir_mib: +(du(path.join(repo, '.git')) / 1024 / 1024).toFixed(1),
    push: { rss_mib: +push.rssMiB.toFixed(1), seconds: push.seconds, steps },
    clone: { rss_mib: +clone.rssMiB.toFixed(1), seconds: clone.seconds },
    export_small_in_clone: { rss_mib: +exp.rssMiB.toFixed(1), seconds: exp.seconds, correct: same },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  server.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
