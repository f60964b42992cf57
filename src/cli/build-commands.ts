/**
 * `fv build <training-set>` and `fv repro <lock-file>`: training sets from a
 * commit, and proving they rebuild to the same bytes (SPEC section 4).
 */
import type { Command } from 'commander';
import * as path from 'node:path';
import { openRepository } from './lazy-repository.js';
import type { Json } from '../table/canonical-json.js';
import { NegativeAnswer } from './negative.js';
import { note, print, printJson } from './output.js';

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' || r.startsWith('..') || path.isAbsolute(r) ? p : r;
}

export function registerBuildCommands(program: Command): void {
  program
    .command('build')
    .description('build a training set from a commit (point-in-time join) and write it with a lock file')
    .argument('<training-set>', 'a training set declared in features.json')
    .option('--at <rev>', 'the commit to build from (default HEAD; uncommitted changes are never included)')
    .option('-o, --output <file>', 'output file (default <training-set>.<format>)')
    .option('--format <format>', 'arrow, parquet or csv (default: from the output extension, else arrow)')
    .option('--lock <path>', 'lock file (default <training-set>.lock.json beside the output)')
    .option('--json', 'print the lock as JSON')
    .action(async (name: string, o: { at?: string; output?: string; format?: string; lock?: string; json?: boolean }) => {
      const r = await (await openRepository()).buildFiles(name, { at: o.at, output: o.output, format: o.format, lock: o.lock });
      if (r.warning !== undefined) note(`warning: ${r.warning}`);
      if (o.json) return printJson({ output: r.outputPath, lock_file: r.lockPath, lock: r.lock as unknown as Json });
      print(`Built ${name} at ${r.lock.commit.slice(0, 7)}: ${r.lock.output.rows} row${r.lock.output.rows === 1 ? '' : 's'} -> ${rel(r.outputPath)} (${r.lock.output.format}, sha256 ${r.lock.output.sha256.slice(0, 12)})\nLock: ${rel(r.lockPath)}`);
    });

  program
    .command('repro')
    .description('rebuild a training set from the commit its lock file records; --check exits 1 unless the bytes are identical')
    .argument('<lock-file>', 'a lock file written by `fv build`')
    .option('--check', 'compare only (exit 1 and name the difference if the rebuilt bytes differ)')
    .option('-o, --output <file>', 'write the rebuilt output here (default: the recorded file beside the lock; with --check, nowhere)')
    .option('--json', 'print JSON')
    .action(async (lockFile: string, o: { check?: boolean; output?: string; json?: boolean }) => {
      const r = await (await openRepository()).repro(lockFile, { check: o.check, output: o.output });
      if (o.json) {
        printJson({
          ok: r.ok,
          training_set: r.lock.training_set,
          commit: r.lock.commit,
          rebuilt: r.rebuilt,
          written: r.written,
          differences: r.differences.map((d) => ({ what: d.what, table: d.table ?? null, recorded: d.recorded, actual: d.actual, message: d.message })),
        });
      } else {
        const lines: string[] = [];
        if (r.ok) lines.push(`ok: ${r.lock.training_set} rebuilds from ${r.lock.commit.slice(0, 7)} to the recorded bytes (sha256 ${r.rebuilt.sha256.slice(0, 12)}, ${r.rebuilt.rows} rows)`);
        else {
          lines.push(`MISMATCH: ${r.lock.training_set} at ${r.lock.commit.slice(0, 7)} does not rebuild to the recorded bytes`);
          for (const d of r.differences) lines.push(`  ${d.message}`);
        }
        if (r.written !== null) lines.push(`Wrote ${rel(r.written)}`);
        print(lines.join('\n'));
      }
      if (o.check && !r.ok) throw new NegativeAnswer();
    });
}
