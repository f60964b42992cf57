/** `fv remote`, `fv push`, `fv fetch`, `fv pull`, `fv clone`: flags in, one API call, output out. */
import type { Command } from 'commander';
import { cloneRepository, openRepository } from './lazy-repository.js';
import { FvError } from '../errors/FvError.js';
import type { ProgressFn, TransferProgress } from '../storage/git-remote.js';
import { NegativeAnswer } from './negative.js';
import { print, printJson } from './output.js';
import { style } from './style.js';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/**
 * A one-line progress display on stderr (objects and bytes), redrawn at
 * most ten times a second; nothing at all when stderr is not a terminal or
 * with --quiet, so scripts and logs stay clean.
 */
function progress(verb: string, quiet: boolean | undefined): { onProgress?: ProgressFn; done: () => void } {
  if (quiet || !process.stderr.isTTY) return { done: () => undefined };
  let last = 0;
  let shown = false;
  let latest: TransferProgress | null = null;
  const draw = (p: TransferProgress): void => {
    const objects = p.loaded !== undefined ? ` ${p.loaded}${p.total ? `/${p.total}` : ''} objects,` : '';
    const bytes = verb === 'push' ? `${formatBytes(p.bytesSent)} sent` : `${formatBytes(p.bytesReceived)} received`;
    process.stderr.write(`\r\x1b[K${verb}: ${p.phase}${objects} ${bytes}`);
    shown = true;
  };
  return {
    onProgress: (p) => {
      latest = p;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(p);
    },
    done: () => {
      if (latest !== null) draw(latest);
      if (shown) process.stderr.write('\n');
    },
  };
}

async function withProgress<T>(verb: string, quiet: boolean | undefined, fn: (onProgress: ProgressFn | undefined) => Promise<T>): Promise<T> {
  const p = progress(verb, quiet);
  try {
    return await fn(p.onProgress);
  } finally {
    p.done();
  }
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new FvError('BAD_USAGE', `--depth must be a positive whole number, not ${JSON.stringify(v)}`);
  return n;
}

/** FV_PUSH_STEP_BYTES: how many bytes of new chunks one push step carries (docs/REMOTES.md). */
function stepBytesFromEnv(): { stepBytes?: number } {
  const v = process.env.FV_PUSH_STEP_BYTES;
  if (v === undefined || v === '') return {};
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new FvError('BAD_USAGE', `FV_PUSH_STEP_BYTES must be a positive number of bytes, not ${JSON.stringify(v)}`);
  return { stepBytes: Number(v) };
}

export function registerRemoteCommands(program: Command): void {
  const remote = program.command('remote').description('manage the remotes this repository exchanges history with');
  remote
    .command('add <name> <url>')
    .description('add a remote (an http:// or https:// git URL)')
    .action(async (name: string, url: string) => {
      const r = await (await openRepository()).addRemote(name, url);
      print(`Added remote ${r.name} ${r.url}`);
    });
  remote
    .command('remove <name>')
    .alias('rm')
    .description('remove a remote and its remote-tracking branches')
    .action(async (name: string) => {
      const r = await (await openRepository()).removeRemote(name);
      print(`Removed remote ${r.name}`);
    });
  remote
    .command('list', { isDefault: true })
    .description('list remotes (URLs without credentials)')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const rs = await (await openRepository()).remotes();
      if (o.json) return printJson(rs.map((r) => ({ name: r.name, url: r.url })));
      for (const r of rs) print(`${r.name}\t${r.url}`);
    });

  program
    .command('push [remote] [branch]')
    .description('send a branch (default: the current one) and its history to a remote')
    .option('--tags', 'also push all tags')
    .option('-f, --force', 'overwrite the remote branch even if that drops commits from it')
    .option('-q, --quiet', 'no progress display and no summary')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, branch: string | undefined, o: { tags?: boolean; force?: boolean; quiet?: boolean; json?: boolean }) => {
      const repo = await openRepository();
      const r = await withProgress('push', o.quiet || o.json, (onProgress) => repo.push(name, branch, { tags: o.tags, force: o.force, onProgress, ...stepBytesFromEnv() }));
      if (o.json) return printJson({ remote: r.remote, branch: r.branch, status: r.status, from: r.from, to: r.to, steps: r.steps, tags: r.tags, bytes: r.bytesSent });
      if (o.quiet) return;
      if (r.status === 'up-to-date') return print('Everything up to date.');
      if (r.from !== r.to) print(`${r.remote} ${r.branch}: ${r.from === null ? '(new branch)' : r.from.slice(0, 7)} -> ${r.to.slice(0, 7)}${r.steps > 1 ? ` (sent in ${r.steps} steps)` : ''}`);
      for (const t of r.tags) print(`${r.remote} tag ${t}`);
    });

  program
    .command('fetch [remote]')
    .description('download new history from a remote into its remote-tracking branches (remote/<branch>)')
    .option('-q, --quiet', 'no progress display and no summary')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, o: { quiet?: boolean; json?: boolean }) => {
      const repo = await openRepository();
      const r = await withProgress('fetch', o.quiet || o.json, (onProgress) => repo.fetch(name, { onProgress }));
      if (o.json) return printJson({ remote: r.remote, updated: r.updated.map((u) => ({ ref: u.ref, from: u.from, to: u.to })), tags: r.tags, bytes: r.bytesReceived });
      if (o.quiet) return;
      if (r.updated.length === 0 && r.tags.length === 0) return print(`${r.remote}: up to date`);
      for (const u of r.updated) print(`${u.ref}: ${u.from === null ? '(new)' : u.from.slice(0, 7)} -> ${u.to.slice(0, 7)}`);
      for (const t of r.tags) print(`tag ${t.tag}: (new) -> ${t.to.slice(0, 7)}`);
    });

  program
    .command('pull [remote] [branch]')
    .description('fetch, then fast-forward or merge (cell by cell) the remote branch into the current one')
    .option('--author <author>', 'author of a merge commit, as "Name <email>"')
    .option('-q, --quiet', 'no progress display and no summary')
    .action(async (name: string | undefined, branch: string | undefined, o: { author?: string; quiet?: boolean }) => {
      const repo = await openRepository();
      const r = await withProgress('pull', o.quiet, (onProgress) => repo.pull(name, branch, { author: o.author, onProgress }));
      const m = r.merge;
      switch (m.status) {
        case 'up-to-date':
          return print('Already up to date.');
        case 'fast-forward':
          return print(`Fast-forward to ${m.commit!.slice(0, 7)} (${r.remote}/${r.branch})`);
        case 'merged':
          return print(`Merged ${r.remote}/${r.branch}: ${m.commit!.slice(0, 7)}`);
        case 'not-committed':
          return print('Merged; not committed (`fv commit` to record it)');
        case 'conflicts':
          print(`Pulled ${r.remote}/${r.branch}: automatic merge failed with ${m.conflicts.length} conflict${m.conflicts.length === 1 ? '' : 's'}; conflicting cells hold ours for now.`);
          print(style.dim('  (`fv conflicts` to see them, `fv resolve <table> --ours|--theirs`, then `fv commit`; or `fv merge --abort`)'));
          throw new NegativeAnswer();
      }
    });

  program
    .command('clone <url> [dir]')
    .description('copy an fv repository from a git server and check out its default branch')
    .option('-b, --branch <branch>', 'check out this branch instead of the remote default')
    .option('--depth <n>', 'only the last <n> commits of history', positiveInt)
    .option('-q, --quiet', 'no progress display and no summary')
    .action(async (url: string, dir: string | undefined, o: { branch?: string; depth?: number; quiet?: boolean }) => {
      const { result: r } = await withProgress('clone', o.quiet, (onProgress) => cloneRepository(url, dir, { branch: o.branch, depth: o.depth, onProgress }));
      if (o.quiet) return;
      if (r.empty) return print(`Cloned an empty repository into ${r.dir} (branch ${r.branch})`);
      print(`Cloned into ${r.dir}: branch ${r.branch} at ${r.commit!.slice(0, 7)}, ${r.tables.length} table${r.tables.length === 1 ? '' : 's'}`);
    });
}
