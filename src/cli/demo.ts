/**
 * `fv demo`: a real session on the bundled fixtures, in a fresh directory,
 * printed as a user would see it at a terminal. Each step runs the real
 * `bin/fv` as a separate process, exactly as typed.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FvError } from '../errors/FvError.js';
import { style } from './style.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function runDemo(dirArg: string | undefined): Promise<void> {
  const dir = dirArg ? path.resolve(dirArg) : fs.mkdtempSync(path.join(os.tmpdir(), 'fv-demo-'));
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new FvError('BAD_USAGE', `${dir} is not empty`, { hint: 'give an empty or new directory, or none for a temporary one' });
  fs.mkdirSync(dir, { recursive: true });
  const fixtures = path.join(root, 'fixtures', 'demo');
  fs.copyFileSync(path.join(fixtures, 'users_v1.csv'), path.join(dir, 'users_v1.csv'));
  fs.copyFileSync(path.join(fixtures, 'users_v2.csv'), path.join(dir, 'users_v2.csv'));
  const env = { ...process.env, GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME || 'fv demo', GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL || 'demo@fv.invalid' };
  const bin = path.join(root, 'bin', 'fv');
  process.stdout.write(style.dim(`# a fresh directory: ${dir}\n`));

  const run = (args: string[], comment?: string): void => {
    if (comment) process.stdout.write('\n' + style.dim(`# ${comment}`) + '\n');
    process.stdout.write(style.bold(`$ fv ${args.map((a) => (/[\s"'~^]/.test(a) ? JSON.stringify(a) : a)).join(' ')}`) + '\n');
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, env, encoding: 'utf8' });
    process.stdout.write(r.stdout);
    process.stdout.write(r.stderr);
    if (r.status !== 0) throw new FvError('IO_ERROR', `demo step \`fv ${args.join(' ')}\` failed with exit ${r.status}`);
  };

  run(['init'], 'make a repository: a plain git repository with fv.json');
  run(['import', 'users_v1.csv', '--table', 'users', '--key', 'user_id', '--time', 'signup_ts'], 'import a CSV; types are inferred, rows are stored in key order as Arrow chunks');
  run(['show', ':users', '--rows', '3'], 'the working table: schema, statistics, first rows');
  run(['status']);
  run(['commit', '-m', 'Import users']);
  run(['tag', 'v1'], 'name this version');
  run(['import', 'users_v2.csv', '--table', 'users'], 'the data changes: a new extract replaces the table');
  run(['status'], 'fv sees row-level changes, not just "the file changed"');
  run(['commit', '-m', 'Refresh users from the October extract']);
  run(['log'], 'history, with per-table row deltas');
  run(['checkout', '-b', 'experiment'], 'branch off');
  run(['branch']);
  run(['checkout', 'v1'], 'rewind to the first version: every value exactly as it was');
  run(['export', 'users', '--format', 'csv'], 'export the table as of v1');
  run(['checkout', 'main'], 'and back');
  run(['log', '--oneline']);
  process.stdout.write('\n' + style.dim(`# native git sees an ordinary repository: try \`git -C ${dir} log --stat\``) + '\n');
}
