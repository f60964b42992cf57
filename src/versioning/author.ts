/**
 * Who a commit is by: --author "Name <email>", else GIT_AUTHOR_NAME /
 * GIT_AUTHOR_EMAIL, else user.name / user.email from the repository's git
 * config, then the user's (~/.gitconfig, $XDG_CONFIG_HOME/git/config).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FvError } from '../errors/FvError.js';
import type { GitRepo, Person } from '../storage/git.js';

export function parseAuthor(text: string): Person {
  const m = /^\s*(.*?)\s*<([^<>]*)>\s*$/.exec(text);
  if (!m || m[1] === '' || /[<>\n]/.test(m[1]!)) throw new FvError('BAD_USAGE', `--author must look like "Name <email>", got ${JSON.stringify(text)}`);
  return { name: m[1]!, email: m[2]! };
}

/** Reads [user] name/email from a git config file; a tiny parser is enough for these two keys. */
function userFromConfigFile(file: string): { name?: string; email?: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const out: { name?: string; email?: string } = {};
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const sec = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"[^"]*")?\s*\]/.exec(line);
    if (sec) {
      section = sec[1]!.toLowerCase();
      continue;
    }
    const kv = /^([A-Za-z0-9-]+)\s*=\s*(.*)$/.exec(line);
    if (section === 'user' && kv) {
      let v = kv[2]!.replace(/\s+[#;].*$/, '');
      if (v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      const k = kv[1]!.toLowerCase();
      if (k === 'name') out.name = v;
      if (k === 'email') out.email = v;
    }
  }
  return out;
}

export async function resolveAuthor(repo: GitRepo, explicit: string | undefined): Promise<Person> {
  if (explicit !== undefined) return parseAuthor(explicit);
  const envName = process.env.GIT_AUTHOR_NAME;
  const envEmail = process.env.GIT_AUTHOR_EMAIL;
  let name = envName || (await repo.getConfig('user.name'));
  let email = envEmail || (await repo.getConfig('user.email'));
  if (!name || !email) {
    const home = os.homedir();
    const xdg = process.env.XDG_CONFIG_HOME || path.join(home, '.config');
    for (const file of [path.join(home, '.gitconfig'), path.join(xdg, 'git', 'config')]) {
      const u = userFromConfigFile(file);
      name ||= u.name;
      email ||= u.email;
    }
  }
  if (!name || !email) {
    throw new FvError('NO_AUTHOR', 'no commit author is configured', { hint: 'pass --author "Name <email>", set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, or run `git config user.name ...` and `git config user.email ...`' });
  }
  return { name, email };
}
