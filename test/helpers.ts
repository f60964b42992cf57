/**
 * Test helpers: run the real bin/fv in a temp directory as a user would,
 * and check the repository with native git.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FV = path.join(ROOT, 'bin', 'fv');
export const FIXTURES = path.join(ROOT, 'fixtures');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const AUTHOR_ENV = {
  GIT_AUTHOR_NAME: 'Test User',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test User',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

/** A fresh temp directory (removed by the OS; tests may keep it for debugging). */
export function tempDir(prefix = 'fv-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The environment fv runs in under test: a fixed author, no colour, no debug
 * traces, and HOME/XDG inside `cwd` so a developer's own config never leaks in.
 * `extra` entries set to undefined are removed.
 */
export function fvEnv(cwd: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env, ...AUTHOR_ENV, NO_COLOR: '1', FV_DEBUG: undefined, HOME: cwd, XDG_CONFIG_HOME: path.join(cwd, '.no-xdg'), ...extra };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

export function fv(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string | undefined> } = {}): RunResult {
  const r = spawnSync(process.execPath, [FV, ...args], { cwd, env: fvEnv(cwd, opts.env), input: opts.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Like `ok`, without blocking the test worker: a scenario of many commands
 * blocked in spawnSync misses vitest's worker RPC deadlines, and read-only
 * commands can run in parallel (Promise.all). Rejects unless fv exits 0.
 */
export function okAsync(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [FV, ...args], { cwd, env: fvEnv(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0) reject(new Error(`fv ${args.join(' ')} exited ${code}\nstdout: ${stdout}\nstderr: ${Buffer.concat(err).toString('utf8')}`));
      else resolve(stdout);
    });
  });
}

/** Runs fv and expects exit 0; returns stdout. */
export function ok(cwd: string, args: string[], opts: { input?: string | Buffer; env?: Record<string, string | undefined> } = {}): string {
  const r = fv(cwd, args, opts);
  if (r.code !== 0) throw new Error(`fv ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** Runs fv and expects a user error: exit 2, one `fv: error:` line, no stack trace. */
export function fails(cwd: string, args: string[], pattern: RegExp, opts: { input?: string | Buffer; env?: Record<string, string | undefined>; code?: number } = {}): RunResult {
  const r = fv(cwd, args, opts);
  expect(r.code, `fv ${args.join(' ')}: ${r.stderr}`).toBe(opts.code ?? 2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^fv: error: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.slice(1).every((l) => l.startsWith('hint: ')), r.stderr).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return r;
}

/**
 * A hermetic environment for running native git directly in unit tests: no
 * system or user config, a fixed identity, the C locale; `extra` adds or overrides.
 */
export function isolatedGitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'T',
    GIT_AUTHOR_EMAIL: 't@example.com',
    GIT_COMMITTER_NAME: 'T',
    GIT_COMMITTER_EMAIL: 't@example.com',
    LC_ALL: 'C',
    ...extra,
  };
}

export function git(cwd: string, args: string[], env: Record<string, string> = {}): RunResult {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...AUTHOR_ENV, HOME: cwd, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Native git accepts the repository and the work tree is clean. */
export function expectGitClean(dir: string, opts: { porcelain?: boolean } = {}): void {
  const fsck = git(dir, ['fsck', '--full', '--strict']);
  expect(fsck.code, `git fsck: ${fsck.stdout}${fsck.stderr}`).toBe(0);
  expect(fsck.stderr + fsck.stdout).not.toMatch(/error|broken|missing|corrupt/i);
  if (opts.porcelain !== false) {
    const st = git(dir, ['status', '--porcelain']);
    expect(st.code).toBe(0);
    expect(st.stdout).toBe('');
  }
}

/** A snapshot of everything under .git and the work tree, to prove a failed command changed nothing. */
export function treeState(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(dir, p), fs.readFileSync(p).toString('base64'));
    }
  };
  walk(dir);
  return out;
}

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

export function fixture(...parts: string[]): string {
  return path.join(FIXTURES, ...parts);
}

let dataDir: string | null = null;

/** Writes an input file outside any repository (users keep their extracts elsewhere) and returns its path. */
export function dataFile(name: string, content: string | Buffer): string {
  dataDir ??= tempDir('fv-data-');
  return writeFile(dataDir, name, content);
}

/** A new fv repository in a temp dir. */
export function newRepo(): string {
  const dir = tempDir();
  ok(dir, ['init']);
  return dir;
}

/** A text file's contents (UTF-8). */
export function readText(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/** Runs `fv build <trainingSet> -o <outFile> [...args]` (expecting success) and returns the written file's text. */
export function buildText(dir: string, trainingSet: string, outFile: string, args: string[] = []): string {
  ok(dir, ['build', trainingSet, '-o', outFile, ...args]);
  return readText(outFile);
}
