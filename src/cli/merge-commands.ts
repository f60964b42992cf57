/** `fv merge`, `fv conflicts`, `fv resolve`: flags in, one API call, output out. */
import type { Command } from 'commander';
import { openRepository } from './lazy-repository.js';
import { FvError } from '../errors/FvError.js';
import type { Json } from '../table/canonical-json.js';
import { compactJson } from '../table/canonical-json.js';
import type { MergeConflict } from '../versioning/merge/conflict.js';
import { NegativeAnswer } from './negative.js';
import { note, print, printJson } from './output.js';
import { style } from './style.js';

function conflictLine(c: MergeConflict): string {
  const where = c.kind === 'definitions' ? `features.json ${c.keyText[0] || '(whole file)'}` : `${c.table}${c.key.length ? ` [${c.keyText.join(',')}]` : ''}${c.column !== null ? ` ${c.column}` : ''}`;
  const v = (x: Json): string => compactJson(x);
  return `${style.red(`CONFLICT (${c.kind})`)} ${where}: base ${v(c.base)}, ours ${v(c.ours)}, theirs ${v(c.theirs)}`;
}

export function conflictJson(c: MergeConflict): Json {
  return { table: c.table, kind: c.kind, key: c.key, column: c.column, base: c.base, ours: c.ours, theirs: c.theirs };
}

export function registerMergeCommands(program: Command): void {
  program
    .command('merge [branch]')
    .description('three-way, cell-level merge of <branch> (or any rev) into the current branch')
    .option('-m, --message <msg>', "merge commit message (default: Merge branch '<branch>')")
    .option('--strategy <side>', 'resolve every conflict taking ours or theirs')
    .option('--no-commit', 'stop before committing a clean merge')
    .option('--abort', 'undo the merge in progress')
    .option('--author <author>', 'author as "Name <email>"')
    .action(async (branch: string | undefined, o: { message?: string; strategy?: string; commit: boolean; abort?: boolean; author?: string }) => {
      const repo = await openRepository();
      if (o.abort) {
        if (branch !== undefined) throw new FvError('BAD_USAGE', '--abort takes no branch');
        const r = await repo.abortMerge();
        return print(`Merge of ${r.name} aborted; the working state is as it was before the merge`);
      }
      if (branch === undefined) throw new FvError('BAD_USAGE', 'merge needs a branch or rev', { hint: 'fv merge <branch>, or fv merge --abort' });
      if (o.strategy !== undefined && o.strategy !== 'ours' && o.strategy !== 'theirs') throw new FvError('BAD_USAGE', `--strategy must be ours or theirs, not "${o.strategy}"`);
      const r = await repo.merge(branch, { message: o.message, author: o.author, strategy: o.strategy as 'ours' | 'theirs' | undefined, noCommit: !o.commit });
      if (r.resolved > 0) note(`resolved ${r.resolved} conflict${r.resolved === 1 ? '' : 's'} taking ${o.strategy}`);
      switch (r.status) {
        case 'up-to-date':
          return print('Already up to date.');
        case 'fast-forward':
          return print(`Fast-forward to ${r.commit!.slice(0, 7)}`);
        case 'merged':
          return print(`Merge made: ${r.commit!.slice(0, 7)}`);
        case 'not-committed':
          return print('Automatic merge went well; stopped before committing as requested (`fv commit` to record it, `fv merge --abort` to undo)');
        case 'conflicts': {
          const shown = r.conflicts.slice(0, 50);
          for (const c of shown) print(conflictLine(c));
          if (r.conflicts.length > shown.length) print(`... and ${r.conflicts.length - shown.length} more (see \`fv conflicts\`)`);
          print(`Automatic merge failed: ${r.conflicts.length} conflict${r.conflicts.length === 1 ? '' : 's'}; conflicting cells hold ours for now.`);
          print(style.dim('  (`fv resolve <table> --ours|--theirs [--key k]`, then `fv commit`; or `fv merge --abort`)'));
          throw new NegativeAnswer();
        }
      }
    });

  program
    .command('revert <rev>')
    .description('a new commit that undoes the row changes <rev> made, merged against everything since')
    .option('-m, --message <msg>', 'commit message (default: Revert "<subject>")')
    .option('--no-commit', 'apply the revert but do not commit it')
    .option('--author <author>', 'author as "Name <email>"')
    .action(async (rev: string, o: { message?: string; commit: boolean; author?: string }) => {
      const r = await (await openRepository()).revert(rev, { message: o.message, author: o.author, noCommit: !o.commit });
      if (r.status === 'reverted') return print(`Reverted ${r.reverted.slice(0, 7)}: ${r.commit!.slice(0, 7)}`);
      if (r.status === 'not-committed') return print('Revert applied; not committed as requested (`fv commit` to record it, `fv merge --abort` to undo)');
      for (const c of r.conflicts.slice(0, 50)) print(conflictLine(c));
      print(`Revert has ${r.conflicts.length} conflict${r.conflicts.length === 1 ? '' : 's'}; conflicting cells hold ours (HEAD) for now.`);
      print(style.dim('  (`fv resolve <table> --ours|--theirs [--key k]`, then `fv commit`; or `fv merge --abort`)'));
      throw new NegativeAnswer();
    });

  program
    .command('conflicts [table]')
    .description('the open conflicts of the merge in progress')
    .option('--json', 'print JSON')
    .action(async (table: string | undefined, o: { json?: boolean }) => {
      const cs = await (await openRepository()).conflicts(table);
      if (o.json) return printJson(cs.map(conflictJson));
      if (cs.length === 0) return print('no open conflicts');
      for (const c of cs) print(conflictLine(c));
    });

  program
    .command('resolve <table>')
    .description('resolve merge conflicts of a table (or features.json), taking ours or theirs')
    .option('--ours', 'keep our values')
    .option('--theirs', 'take their values')
    .option('--key <k>', 'only this row (key values comma-separated; for features.json a dotted JSON path)')
    .action(async (table: string, o: { ours?: boolean; theirs?: boolean; key?: string }) => {
      if (o.ours === o.theirs) throw new FvError('BAD_USAGE', 'pass exactly one of --ours and --theirs');
      const r = await (await openRepository()).resolve(table, { side: o.ours ? 'ours' : 'theirs', key: o.key });
      print(`Resolved ${r.resolved} conflict${r.resolved === 1 ? '' : 's'} in ${table}; ${r.remaining} left${r.remaining === 0 ? ' (`fv commit` to record the merge)' : ''}`);
    });
}
