/**
 * Shared pieces of the crash-injection tests: run bin/fv and SIGKILL it
 * after a delay, a seeded random source, and a generator of keyed tables.
 */
import { spawn } from 'node:child_process';
import { AUTHOR_ENV, FV } from '../helpers.js';

export const TORTURE = process.env.FV_TORTURE === '1';

export interface KillResult {
  /** True when the process was still running at the deadline and died of SIGKILL. */
  killed: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs fv and kills it with SIGKILL after `ms` milliseconds (if it is still running). */
export function runAndKill(cwd: string, args: string[], ms: number): Promise<KillResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [FV, ...args], { cwd, env: { ...process.env, ...AUTHOR_ENV, NO_COLOR: '1', FV_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code, stdout, stderr });
    });
  });
}

/** Seeded uniform [0, 1) (Park-Miller), so a failing round can be replayed. */
export function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** A CSV keyed on id; `edit(i)` may override the name or score of row i. */
export function table(rows: number, salt: number, edit: (i: number) => { name?: string; score?: string } | null = () => null, extra = 0): string {
  const lines = ['id,name,score,ts'];
  for (let i = 0; i < rows + extra; i++) {
    const e = edit(i) ?? {};
    lines.push(`${i},${e.name ?? `name-${(i * 7 + salt) % 1000}`},${e.score ?? `${(i * salt) % 977}.25`},2024-01-0${1 + (i % 9)}T00:00:00Z`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Lets the worker's event loop run. spawnSync blocks it; a long test that
 * runs fv synchronously for over 60 s without an await starves vitest's RPC
 * ("Timeout calling onTaskUpdate") on a loaded machine, failing a test that
 * did nothing wrong. Call this between synchronous steps.
 */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
}
