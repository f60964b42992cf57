/**
 * Starts and stops the real git HTTP server (git-http-server.mjs) for tests,
 * and makes bare repositories for it to serve.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { git, tempDir } from '../helpers.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'git-http-server.mjs');

export interface GitServer {
  /** Directory holding the served bare repositories. */
  root: string;
  port: number;
  /** URL of repository `name` (e.g. `data.git`). */
  url(name: string): string;
  /** A new bare repository that accepts pushes over HTTP; returns its URL. */
  bare(name: string): string;
  stop(): Promise<void>;
}

export async function startGitServer(opts: { credentials?: { user: string; password: string } } = {}): Promise<GitServer> {
  const root = tempDir('fv-git-server-');
  const args = [SCRIPT, root, ...(opts.credentials ? [`${opts.credentials.user}:${opts.credentials.password}`] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`git server exited (${code}): ${log}`)));
  });
  const url = (name: string): string => `http://127.0.0.1:${port}/${name}`;
  return {
    root,
    port,
    url,
    bare(name: string): string {
      const dir = path.join(root, name);
      const r = git(root, ['init', '--bare', '-q', '-b', 'main', dir]);
      if (r.code !== 0) throw new Error(r.stderr);
      git(dir, ['config', 'http.receivepack', 'true']);
      return url(name);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
