import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireRepoLock, releaseAllLocksSync } from '../../../src/storage/repo-lock.js';

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

// Child processes need plain JS: transpile the lock module (and its one import) into a temp dir.
let jsDir: string;
beforeAll(async () => {
  jsDir = await mkdtemp(join(tmpdir(), 'fv-lock-js-'));
  await writeFile(join(jsDir, 'package.json'), '{"type":"module"}');
  for (const rel of ['storage/repo-lock', 'errors/FvError']) {
    const source = await readFile(join(srcDir, `${rel}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    await mkdir(dirname(join(jsDir, rel)), { recursive: true });
    await writeFile(join(jsDir, `${rel}.js`), outputText);
  }
  // hold: take the lock and keep it; exit/throw: take it and end without release;
  // count: N times lock, read-modify-write a counter slowly, unlock.
  await writeFile(
    join(jsDir, 'child.mjs'),
    `import { acquireRepoLock } from './storage/repo-lock.js';
import { readFileSync, writeFileSync } from 'node:fs';
const [gitdir, mode, n] = process.argv.slice(2);
if (mode === 'count') {
  for (let i = 0; i < Number(n); i++) {
    const lock = await acquireRepoLock(gitdir, { waitMs: 60000, command: 'count' });
    const c = Number(readFileSync(gitdir + '/counter', 'utf8'));
    await new Promise((r) => setTimeout(r, 2));
    writeFileSync(gitdir + '/counter', String(c + 1));
    await lock.release();
  }
  process.exit(0);
}
await acquireRepoLock(gitdir, { command: 'child-' + mode });
process.stdout.write('locked\\n');
if (mode === 'exit') process.exit(3);
if (mode === 'throw') throw new Error('boom');
if (mode === 'release-later') { setTimeout(() => process.exit(0), Number(n)); }
setInterval(() => {}, 1000);
`,
  );
});
afterAll(async () => {
  await rm(jsDir, { recursive: true, force: true });
});

let gitdir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  gitdir = await mkdtemp(join(tmpdir(), 'fv-lock-'));
});
afterEach(async () => {
  releaseAllLocksSync();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(gitdir, { recursive: true, force: true });
});

function startChild(...args: string[]): ChildProcess {
  const child = spawn(process.execPath, [join(jsDir, 'child.mjs'), gitdir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function waitLocked(child: ChildProcess): Promise<void> {
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) res();
    });
    child.on('exit', (code) => rej(new Error(`child exited early with ${code}`)));
  });
}

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
}

const lockFile = () => join(gitdir, 'fv.lock');

describe('acquireRepoLock', () => {
  it('creates fv.lock with holder info and releases it idempotently', async () => {
    const lock = await acquireRepoLock(gitdir, { command: 'fv import' });
    expect(lock.path).toBe(lockFile());
    const info = JSON.parse(await readFile(lockFile(), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), command: 'fv import' });
    expect(new Date(String(info['started'])).getTime()).toBeGreaterThan(Date.now() - 60_000);
    // A second acquire in the same process (e.g. via a relative path) waits like any other.
    const rel = relative(process.cwd(), gitdir);
    await expect(acquireRepoLock(rel)).rejects.toMatchObject({ code: 'LOCKED', message: `repository is locked by pid ${process.pid} (fv import)` });
    const waiting = acquireRepoLock(gitdir, { waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 120));
    await lock.release();
    await lock.release();
    await (await waiting).release();
    expect(await readdir(gitdir)).toEqual([]);
    await (await acquireRepoLock(gitdir)).release();
  });

  it('refuses while another process holds it, waits, then recovers the lock after SIGKILL', async () => {
    const child = startChild('hold');
    await waitLocked(child);

    const err = await acquireRepoLock(gitdir, { waitMs: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'FvError', code: 'LOCKED', message: `repository is locked by pid ${child.pid} (child-hold)` });
    expect((err as { hint: string }).hint).toMatch(/fv\.lock/);

    const t0 = Date.now();
    await expect(acquireRepoLock(gitdir, { waitMs: 300 })).rejects.toMatchObject({ code: 'LOCKED' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);

    child.kill('SIGKILL');
    expect((await waitExit(child)).signal).toBe('SIGKILL');
    expect(await readdir(gitdir)).toEqual(['fv.lock']); // SIGKILL leaves it behind...
    const lock = await acquireRepoLock(gitdir, { command: 'recovered' }); // ...and it is detected as stale
    expect(JSON.parse(await readFile(lockFile(), 'utf8'))).toMatchObject({ pid: process.pid, command: 'recovered' });
    expect(await readdir(gitdir)).toEqual(['fv.lock']); // no .stale-* leftovers
    await lock.release();
  });

  it('waits for a holder that finishes within waitMs (FV_LOCK_TIMEOUT_MS default)', async () => {
    const child = startChild('release-later', '300');
    await waitLocked(child);
    process.env['FV_LOCK_TIMEOUT_MS'] = '10000';
    try {
      const lock = await acquireRepoLock(gitdir);
      expect((await waitExit(child)).code).toBe(0);
      await lock.release();
    } finally {
      delete process.env['FV_LOCK_TIMEOUT_MS'];
    }
  });

  it.each(['exit', 'throw'])('removes the lock when the holder ends by %s without releasing', async (mode) => {
    const child = startChild(mode);
    await waitLocked(child);
    const { code } = await waitExit(child);
    expect(code).toBe(mode === 'exit' ? 3 : 1);
    expect(await readdir(gitdir)).toEqual([]);
  });

  it('treats an unreadable lock as held for 10 s, then as stale', async () => {
    await writeFile(lockFile(), '');
    await expect(acquireRepoLock(gitdir)).rejects.toMatchObject({ code: 'LOCKED', message: /pid unknown/ });
    const old = new Date(Date.now() - 11_000);
    await utimes(lockFile(), old, old);
    await (await acquireRepoLock(gitdir)).release();
  });

  it('never breaks a lock from another host, but does break one left by an earlier process with our pid', async () => {
    await writeFile(lockFile(), JSON.stringify({ pid: 999_999_999, host: 'elsewhere.example', command: 'fv commit', started: '' }));
    await expect(acquireRepoLock(gitdir)).rejects.toMatchObject({ code: 'LOCKED', message: /on elsewhere\.example \(fv commit\)/ });

    const beforeUs = new Date(performance.timeOrigin - 1000).toISOString();
    await writeFile(lockFile(), JSON.stringify({ pid: process.pid, host: hostname(), command: 'fv commit', started: beforeUs }));
    await (await acquireRepoLock(gitdir)).release();
  });

  it.each([false, true])('gives mutual exclusion to competing processes (stale lock at start: %s)', async (stale) => {
    await writeFile(join(gitdir, 'counter'), '0');
    // pid above Linux's pid_max: certainly dead, so all racers try to recover it at once.
    if (stale) await writeFile(lockFile(), JSON.stringify({ pid: 999_999_999, host: hostname(), command: 'dead', started: '' }));
    const racers = Array.from({ length: 4 }, () => startChild('count', '15'));
    const results = await Promise.all(racers.map(waitExit));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(await readFile(join(gitdir, 'counter'), 'utf8')).toBe('60');
    expect((await readdir(gitdir)).sort()).toEqual(['counter']);
  });

  it('leaves a stale lock to a concurrent recoverer, and clears a recoverer left behind by a crash', async () => {
    await writeFile(lockFile(), JSON.stringify({ pid: 999_999_999, host: hostname(), command: 'dead', started: '' }));
    await writeFile(`${lockFile()}.break`, '');
    await expect(acquireRepoLock(gitdir)).rejects.toMatchObject({ code: 'LOCKED' });
    const old = new Date(Date.now() - 11_000);
    await utimes(`${lockFile()}.break`, old, old);
    const lock = await acquireRepoLock(gitdir, { waitMs: 2000 });
    expect(await readdir(gitdir)).toEqual(['fv.lock']);
    await lock.release();
  });

  it('fails with IO_ERROR when the git directory does not exist', async () => {
    await expect(acquireRepoLock(join(gitdir, 'missing'))).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
