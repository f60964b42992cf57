/**
 * The CLI entry point: builds the commander program, runs it, and is the
 * one place that turns errors into exit codes. FvError: `fv: error: ...`,
 * an optional `hint:` line, exit 2. Anything else is a bug: one line, exit
 * 2, and the stack only with FV_DEBUG=1.
 */
import { Command } from 'commander';
import { describeError } from './describe-error.js';
import { registerCommands } from './commands.js';

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
  const d = describeError(e);
  if (d.line !== null) process.stderr.write(`${d.line}\n`);
  if (d.line !== null && d.hint) process.stderr.write(`hint: ${d.hint}\n`);
  process.exit(d.exitCode);
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
process.on('unhandledRejection', (e) => handle(e));

await main(process.argv);
