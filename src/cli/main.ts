/**
 * The CLI entry point: builds the commander program, runs it, and is the
 * one place that turns errors into exit codes. FvError: `fv: error: ...`,
 * an optional `hint:` line, exit 2. Anything else is a bug: one line, exit
 * 2, and the stack only with FV_DEBUG=1.
 */
import { Command, CommanderError } from 'commander';
import { FvError } from '../errors/FvError.js';
import { registerCommands } from './commands.js';
import { NegativeAnswer } from './negative.js';


function fail(message: string, hint?: string): never {
  process.stderr.write(`fv: error: ${message.split('\n')[0]}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name('fv')
    .description('Git-backed data and feature versioning')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? '' : s) });
  registerCommands(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? '' : s) });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    handle(e);
  }
}

function handle(e: unknown): never {
  if (process.env.FV_DEBUG === '1' && e instanceof Error) process.stderr.write(`${e.stack ?? e.message}\n`);
  if (e instanceof NegativeAnswer) process.exit(1);
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
    fail(e.message.replace(/^error: /, ''), 'see `fv --help` or `fv <command> --help`');
  }
  if (e instanceof FvError) fail(e.message, e.hint);
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOSPC') fail('no space left on device; nothing was changed', 'free some disk space and run the command again');
  if (err?.code === 'EPIPE') process.exit(0);
  fail(`internal error: ${err?.message ?? String(e)}`, 'this is a bug in fv; rerun with FV_DEBUG=1 for details');
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
process.on('unhandledRejection', (e) => handle(e));

await main(process.argv);
