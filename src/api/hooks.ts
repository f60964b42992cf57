/**
 * `fv hooks install`: a git pre-commit hook that runs `fv check`, so that a
 * native `git commit` is stopped by failing error-severity checks too. An
 * existing hook is kept and chained (it runs first, and its failure stops
 * the commit). Outside an fv repository (no fv.json) the hook does nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../storage/atomic-fs.js';
import type { RepoContext } from './context.js';

const MARKER = '# fv pre-commit hook';
const CHAINED = 'pre-commit.before-fv';

export interface HooksResult {
  hook: string;
  /** The earlier hook now run first, if there was one. */
  chained: string | null;
}

function fvCommand(): string {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'fv');
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)}`;
}

export async function installHooks(ctx: RepoContext): Promise<HooksResult> {
  return ctx.withLock('hooks', async () => {
    const configured = await ctx.git.getConfig('core.hooksPath');
    const dir = configured ? path.resolve(ctx.dir, configured) : path.join(ctx.git.gitdir, 'hooks');
    fs.mkdirSync(dir, { recursive: true });
    const hook = path.join(dir, 'pre-commit');
    const chained = path.join(dir, CHAINED);
    if (fs.existsSync(hook) && !fs.readFileSync(hook, 'utf8').includes(MARKER)) fs.renameSync(hook, chained);
    const script = [
      '#!/bin/sh',
      `${MARKER} (written by \`fv hooks install\`; an earlier hook is kept as ${CHAINED} and runs first)`,
      `hook_dir=$(dirname "$0")`,
      `if [ -x "$hook_dir/${CHAINED}" ]; then "$hook_dir/${CHAINED}" "$@" || exit $?; fi`,
      '# Only inside an fv repository.',
      '[ -f "$(git rev-parse --show-toplevel)/fv.json" ] || exit 0',
      `if command -v fv >/dev/null 2>&1 && [ -z "$FV_HOOK_USE_INSTALLER" ]; then exec fv check; fi`,
      `exec ${fvCommand()} check`,
      '',
    ].join('\n');
    await writeFileAtomic(hook, script, { mode: 0o755 });
    fs.chmodSync(hook, 0o755);
    return { hook, chained: fs.existsSync(chained) ? chained : null };
  });
}
