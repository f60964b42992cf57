/**
 * Where credentials for a remote come from, in order (docs/REMOTES.md):
 * userinfo in the URL (handled by isomorphic-git itself, before any
 * request), then FV_USERNAME + FV_PASSWORD, then FV_TOKEN, then git's
 * configured credential helper (`git credential fill`, with terminal
 * prompts disabled so fv never hangs waiting for input). They are offered
 * only when the server answers 401, and are never written anywhere.
 */
import { spawnSync } from 'node:child_process';
import { redactUrl } from './url-redact.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** Where they came from: a helper's wrong answer is reported back to it. */
  source: 'env' | 'helper';
}

/** The username sent with FV_TOKEN when FV_USERNAME is not set; GitHub, GitLab and Gitea accept any name with a token. */
const TOKEN_USER = 'x-access-token';

function fromEnvironment(): Credentials | null {
  const env = process.env;
  if (env.FV_USERNAME && env.FV_PASSWORD) return { username: env.FV_USERNAME, password: env.FV_PASSWORD, source: 'env' };
  if (env.FV_TOKEN) return { username: env.FV_USERNAME || TOKEN_USER, password: env.FV_TOKEN, source: 'env' };
  return null;
}

function runCredential(action: 'fill' | 'reject', input: string): string | null {
  const r = spawnSync('git', ['credential', action], {
    input,
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    stdio: ['pipe', 'pipe', 'ignore'],
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout : null;
}

function fromHelper(url: string): Credentials | null {
  const out = runCredential('fill', `url=${redactUrl(url)}\n\n`);
  if (out === null) return null;
  const fields = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  const username = fields.get('username');
  const password = fields.get('password');
  if (username === undefined && password === undefined) return null;
  return { username, password, source: 'helper' };
}

export function credentialsFor(url: string): Credentials | null {
  return fromEnvironment() ?? fromHelper(url);
}

/** Tells git's credential helper that what it gave was wrong (as git itself does), so it is not offered again. */
export function rejectCredentials(url: string, c: Credentials): void {
  if (c.source !== 'helper') return;
  runCredential('reject', `url=${redactUrl(url)}\nusername=${c.username ?? ''}\npassword=${c.password ?? ''}\n\n`);
}
