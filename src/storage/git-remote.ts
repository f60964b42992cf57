/**
 * The transport: fv's only use of isomorphic-git's smart HTTP client
 * (`isomorphic-git/http/node`). Everything here moves bytes and refs; what
 * the bytes mean (and whether they are safe) is the API layer's business.
 *
 * Three things are added on top of isomorphic-git:
 * - credentials from the environment or git's credential helper
 *   (storage/credentials.ts), offered only when the server asks (HTTP 401);
 * - a counting HTTP client, so callers can show objects and bytes moved;
 * - one error mapping, in which every message has credentials stripped.
 */
import * as nodeFs from 'node:fs';
import git from 'isomorphic-git';
import { rawTreeEntries } from './git-object-parse.js';
import type { RawTreeEntry } from './git-object-parse.js';
import type { GitAuth, GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import { FvError } from '../errors/FvError.js';
import { atomicFsForGit } from './atomic-fs.js';
import { credentialsFor, rejectCredentials } from './credentials.js';
import type { Credentials } from './credentials.js';
import { redactUrl } from './url-redact.js';

export interface TransferProgress {
  phase: string;
  /** Objects counted by the server or by isomorphic-git, when known. */
  loaded?: number;
  total?: number;
  /** Bytes sent and received over HTTP so far in this operation. */
  bytesSent: number;
  bytesReceived: number;
}

export type ProgressFn = (p: TransferProgress) => void;

export interface RemoteTarget {
  gitdir: string;
  /** The URL as configured (may carry userinfo the user put there). */
  url: string;
  /** Remote name whose tracking refs the operation updates. */
  remote?: string;
  onProgress?: ProgressFn;
}

/** Refs and pack files: written atomically and fsynced, like refs elsewhere in fv. */
const remoteFs = atomicFsForGit();

interface Counter {
  sent: number;
  received: number;
}

/**
 * The node HTTP client with byte counting. Request bodies given as arrays
 * (isomorphic-git's push builds the whole pack as an array of buffers) are
 * streamed instead of concatenated: http/node would otherwise copy the
 * whole pack into one more buffer just to set Content-Length.
 */
function countingHttp(counter: Counter, report: () => void, onPackSend: (objects: number | undefined) => void): HttpClient {
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      let body = req.body as unknown;
      if (Array.isArray(body)) {
        const parts = body as Uint8Array[];
        const size = parts.reduce((n, b) => n + b.byteLength, 0);
        const pack = packObjectCount(parts);
        if (pack !== null) onPackSend(pack);
        body = (async function* () {
          for (let i = 0; i < parts.length; i++) {
            const b = parts[i]!;
            counter.sent += b.byteLength;
            report();
            yield b;
          }
        })();
        req = { ...req, headers: { ...req.headers, 'content-length': String(size) } };
      }
      const res = await nodeHttp.request({ ...req, body: body as GitHttpRequest['body'] });
      const inner = res.body;
      if (inner === undefined) return res;
      const counted = (async function* () {
        for await (const chunk of inner as AsyncIterable<Uint8Array>) {
          counter.received += chunk.byteLength;
          report();
          yield chunk;
        }
      })();
      return { ...res, body: counted };
    },
  };
}

/**
 * The object count of a push's pack, read from its header: isomorphic-git
 * writes "PACK", the version and the count as separate buffers. Null when
 * the body holds no pack (a fetch request).
 */
function packObjectCount(parts: Uint8Array[]): number | null {
  const i = parts.findIndex((b) => b.byteLength === 4 && Buffer.from(b).toString('latin1') === 'PACK');
  const count = i >= 0 ? parts[i + 2] : undefined;
  return count !== undefined && count.byteLength === 4 ? Buffer.from(count).readUInt32BE(0) : null;
}

/** Everything isomorphic-git needs to talk to one URL, plus what to report and redact. */
function session(t: RemoteTarget) {
  const counter: Counter = { sent: 0, received: 0 };
  let phase = 'connecting';
  let loaded: number | undefined;
  let total: number | undefined;
  const report = (): void => t.onProgress?.({ phase, loaded, total, bytesSent: counter.sent, bytesReceived: counter.received });
  let offered: Credentials | null = null;
  const onAuth = (url: string): GitAuth | undefined => {
    offered = credentialsFor(url);
    return offered ?? undefined;
  };
  // One attempt per credential source is enough: a second 401 means they are wrong.
  const onAuthFailure = (url: string): GitAuth | undefined => {
    if (offered !== null) rejectCredentials(url, offered);
    return undefined;
  };
  return {
    http: countingHttp(counter, report, (objects) => {
      phase = 'Writing objects';
      loaded = objects;
      total = undefined;
    }),
    onAuth,
    onAuthFailure,
    onProgress: (e: { phase: string; loaded: number; total: number }) => {
      phase = e.phase;
      loaded = e.loaded;
      total = e.total || undefined;
      report();
    },
    secrets: (): string[] => (offered === null ? [] : [offered.password ?? '', offered.username ?? ''].filter((s) => s.length >= 4)),
    counter,
  };
}

function code(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

/** Turns transport failures into one-line FvErrors that never carry credentials. */
function remoteError(e: unknown, url: string, secrets: string[], what: string): unknown {
  if (e instanceof FvError) return e;
  const shown = redactUrl(url);
  const scrub = (s: string): string => secrets.reduce((acc, x) => acc.split(x).join('***'), s.split(url).join(shown));
  const c = code(e);
  const data = (e as { data?: Record<string, unknown> } | null)?.data ?? {};
  const hint = 'set FV_USERNAME and FV_PASSWORD (or FV_TOKEN), or configure a git credential helper';
  if (c === 'HttpError') {
    const status = data.statusCode as number;
    if (status === 401) return new FvError('AUTH_FAILED', `authentication to ${shown} failed (HTTP 401)`, { hint });
    if (status === 403) return new FvError('AUTH_FAILED', `access to ${shown} was refused (HTTP 403)`, { hint });
    if (status === 404) return new FvError('REMOTE_ERROR', `no git repository at ${shown} (HTTP 404)`, { hint: 'check the URL (`fv remote list`)' });
    return new FvError('REMOTE_ERROR', `${what} ${shown} failed: HTTP ${status} ${scrub(String(data.statusMessage ?? ''))}`.trimEnd());
  }
  if (c === 'UserCanceledError') return new FvError('AUTH_FAILED', `authentication to ${shown} failed`, { hint });
  if (c === 'SmartHttpError') return new FvError('REMOTE_ERROR', `${shown} is not a git smart HTTP server`, { hint: 'fv talks to git servers over smart HTTP(S); check the URL' });
  if (c === 'PushRejectedError') {
    const reason = data.reason === 'tag-exists' ? 'the tag already exists on the remote' : 'the remote has commits that are not in yours (non-fast-forward)';
    return new FvError('PUSH_REJECTED', `push to ${shown} rejected: ${reason}`, { hint: data.reason === 'tag-exists' ? 'delete or rename the tag' : 'run `fv pull` first, then push again (or `fv push --force` to overwrite the remote history)' });
  }
  if (c === 'GitPushError') {
    const detail = scrub(String(data.prettyDetails ?? '')).replace(/\s+/g, ' ').trim();
    return new FvError('PUSH_REJECTED', `push to ${shown} rejected by the server: ${detail}`, { hint: 'run `fv pull` first, then push again' });
  }
  if (c === 'ECONNREFUSED' || c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'ETIMEDOUT' || c === 'ECONNRESET' || c === 'EHOSTUNREACH' || c === 'ENETUNREACH') {
    return new FvError('REMOTE_ERROR', `cannot reach ${shown} (${c})`, { hint: 'check the URL and your network' });
  }
  if (c === 'UrlParseError' || c === 'UnknownTransportError') return new FvError('BAD_USAGE', `unsupported remote URL ${shown}`, { hint: 'fv talks smart HTTP(S): use an http:// or https:// URL' });
  if (c === 'ENOSPC' || c === 'EDQUOT') return new FvError('DISK_FULL', `${what} ${shown}: no space left on device`);
  const msg = e instanceof Error ? e.message : String(e);
  return new FvError('REMOTE_ERROR', `${what} ${shown} failed: ${scrub(msg).split('\n')[0]}`);
}

export interface ServerRef {
  ref: string;
  oid: string;
  /** For symbolic refs (HEAD): the ref it points at. */
  target?: string;
}

/** The refs the server advertises (for push: as git-receive-pack sees them). */
export async function listServerRefs(t: RemoteTarget, opts: { forPush?: boolean } = {}): Promise<ServerRef[]> {
  const s = session(t);
  try {
    const refs = await git.listServerRefs({ http: s.http, url: t.url, onAuth: s.onAuth, onAuthFailure: s.onAuthFailure, forPush: opts.forPush === true, protocolVersion: 1, symrefs: true });
    return refs.map((r) => ({ ref: r.ref, oid: r.oid, ...(r.target !== undefined ? { target: r.target } : {}) }));
  } catch (e) {
    throw remoteError(e, t.url, s.secrets(), 'contacting');
  }
}

export interface FetchedPack {
  /** The remote's default branch (full ref), when it says. */
  defaultBranch: string | null;
  /** The commit of the requested ref (or remote HEAD). */
  fetchHead: string | null;
  /** Path of the pack written under the gitdir, if any objects came. */
  packfile: string | null;
  bytesReceived: number;
}

/**
 * Fetches into the object store and updates `refs/remotes/<remote>/*`
 * (and, with `tags`, adds the remote's tags that are new here).
 * isomorphic-git writes the refs before the pack arrives, so the
 * caller must snapshot and restore them if anything fails (api/remote-fetch.ts).
 */
export async function fetchPack(t: RemoteTarget & { remote: string; ref?: string; depth?: number; singleBranch?: boolean; tags?: boolean }): Promise<FetchedPack> {
  const s = session(t);
  try {
    const r = await git.fetch({
      fs: remoteFs,
      http: s.http,
      gitdir: t.gitdir,
      url: t.url,
      remote: t.remote,
      ...(t.ref !== undefined ? { ref: t.ref, remoteRef: t.ref } : {}),
      ...(t.depth !== undefined ? { depth: t.depth } : {}),
      singleBranch: t.singleBranch === true,
      // With tags, isomorphic-git writes refs/tags/<name> for each remote tag not present locally (never overwriting one).
      tags: t.tags === true,
      onAuth: s.onAuth,
      onAuthFailure: s.onAuthFailure,
      onProgress: s.onProgress,
    });
    return { defaultBranch: r.defaultBranch ?? null, fetchHead: r.fetchHead ?? null, packfile: (r as { packfile?: string }).packfile ?? null, bytesReceived: s.counter.received };
  } catch (e) {
    if (code(e) === 'NotFoundError' && t.ref !== undefined) {
      throw new FvError('UNKNOWN_REF', `the remote ${redactUrl(t.url)} has no branch ${t.ref}`, { hint: 'see the remote branches with `fv fetch` then `fv branch -r`, or push the branch first' });
    }
    throw remoteError(e, t.url, s.secrets(), 'fetching from');
  }
}

/**
 * Pushes one commit (or annotated tag) to `remoteRef`: isomorphic-git
 * sends every object reachable from it that the remote does not have, as
 * one pack built in memory. Callers bound that pack by pushing a long
 * history in steps (api/remote-push.ts).
 */
export async function pushRef(t: RemoteTarget & { oid: string; remoteRef: string; force: boolean }): Promise<{ bytesSent: number }> {
  const s = session(t);
  try {
    await git.push({
      fs: remoteFs,
      http: s.http,
      gitdir: t.gitdir,
      url: t.url,
      ...(t.remote !== undefined ? { remote: t.remote } : {}),
      ref: t.oid,
      remoteRef: t.remoteRef,
      force: t.force,
      onAuth: s.onAuth,
      onAuthFailure: s.onAuthFailure,
      onProgress: s.onProgress,
    });
    return { bytesSent: s.counter.sent };
  } catch (e) {
    throw remoteError(e, t.url, s.secrets(), 'pushing to');
  }
}

/** Files under objects/pack, to tell the pack a fetch wrote from the ones that were there. */
export function listPackFiles(gitdir: string): string[] {
  try {
    return nodeFs.readdirSync(`${gitdir}/objects/pack`).sort();
  } catch {
    return [];
  }
}

export interface RemoteConfig {
  name: string;
  url: string;
}

export async function listRemotes(dir: string, gitdir: string): Promise<RemoteConfig[]> {
  const r = await git.listRemotes({ fs: remoteFs, dir, gitdir });
  return r.map((x) => ({ name: x.remote, url: x.url }));
}

export async function addRemote(dir: string, gitdir: string, name: string, url: string): Promise<void> {
  await git.addRemote({ fs: remoteFs, dir, gitdir, remote: name, url, force: false });
}

export async function deleteRemote(dir: string, gitdir: string, name: string): Promise<void> {
  await git.deleteRemote({ fs: remoteFs, dir, gitdir, remote: name });
}

export type { RawTreeEntry };

/**
 * Reads a tree without isomorphic-git's parser, which refuses some unsafe
 * names itself: validation of received history needs to see every entry
 * to say precisely what is wrong. Missing: null.
 */
export async function readRawTree(gitdir: string, oid: string, cache: object): Promise<RawTreeEntry[] | null> {
  let r: { type: string; object: unknown };
  try {
    r = await git.readObject({ fs: remoteFs, gitdir, oid, format: 'content', cache });
  } catch (e) {
    if (code(e) === 'NotFoundError') return null;
    throw e;
  }
  if (r.type !== 'tree') throw new FvError('UNSAFE_REMOTE', `refusing what the remote sent: ${oid} is a ${r.type}, not a tree`);
  const entries = rawTreeEntries(Buffer.from(r.object as Uint8Array));
  if (entries === undefined) throw new FvError('UNSAFE_REMOTE', `refusing what the remote sent: tree ${oid} is malformed`);
  return entries;
}
