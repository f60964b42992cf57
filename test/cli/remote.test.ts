/**
 * `fv remote`, `fv push`, `fv fetch`, `fv pull`, `fv clone` (issue 8, SPEC section 6)
 * against a real server: git's own `git http-backend` behind a Node HTTP
 * server on 127.0.0.1 (test/helpers/git-http-server.mjs), plain and with
 * HTTP basic auth. Native git checks what fv wrote, on both ends.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FV, dataFile, expectGitClean, fails, fv, git, newRepo, ok, tempDir, treeState, writeFile } from '../helpers.js';
import type { GitServer } from '../helpers/git-server.js';
import { startGitServer } from '../helpers/git-server.js';

let server: GitServer;
let authServer: GitServer;
const USER = 'alice';
const SECRET = 'S3cret-Pa55w0rd-xyzzy';

beforeAll(async () => {
  server = await startGitServer();
  authServer = await startGitServer({ credentials: { user: USER, password: SECRET } });
});
afterAll(async () => {
  await server?.stop();
  await authServer?.stop();
});

/** bin/fv runs synchronously; yielding between steps keeps vitest's worker responsive on a loaded machine. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let n = 0;
function put(dir: string, table: string, csv: string, msg: string): void {
  ok(dir, ['import', dataFile(`r${n++}.csv`, csv), '--table', table, '--key', 'id', '-q']);
  ok(dir, ['commit', '-m', msg, '-q']);
}

const rev = (dir: string, r: string): string => git(dir, ['rev-parse', r]).stdout.trim();

/** git fsck of a bare repository on the server. */
function expectBareClean(url: string): void {
  const dir = path.join(server.root, path.basename(url));
  const fsck = git(dir, ['fsck', '--full', '--strict']);
  expect(fsck.code, fsck.stderr).toBe(0);
  expect(fsck.stdout + fsck.stderr).not.toMatch(/error|broken|missing|corrupt/i);
}

/** A repository with one committed table, pushed to a new bare repository; returns both. */
function published(name: string, csv = 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n4,dee,40\n5,eve,50\n'): { dir: string; url: string } {
  const url = server.bare(name);
  const dir = newRepo();
  put(dir, 'people', csv, 'first');
  ok(dir, ['remote', 'add', 'origin', url]);
  ok(dir, ['push', '-q']);
  return { dir, url };
}

function cloneTo(url: string, opts: string[] = [], env: Record<string, string | undefined> = {}): string {
  const parent = tempDir('fv-clone-');
  ok(parent, ['clone', url, 'repo', ...opts], { env });
  return path.join(parent, 'repo');
}

/** Every file under `dir` (work tree and .git) as text, to look for a secret. */
function allText(dir: string): string {
  return [...treeState(dir).values()].map((b64) => Buffer.from(b64, 'base64').toString('latin1')).join('\n');
}

/** A commit whose tree holds the raw entries given (name -> blob content), made with git's --literally so nothing checks it. */
function hostileCommit(bare: string, entries: { name: string; content: string }[]): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const blob = spawnSync('git', ['hash-object', '-w', '--stdin'], { cwd: bare, input: e.content, encoding: 'utf8' }).stdout.trim();
    parts.push(Buffer.concat([Buffer.from(`100644 ${e.name}\0`, 'utf8'), Buffer.from(blob, 'hex')]));
  }
  const tree = spawnSync('git', ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { cwd: bare, input: Buffer.concat(parts), encoding: 'utf8' });
  expect(tree.status, tree.stderr).toBe(0);
  const commit = git(bare, ['commit-tree', tree.stdout.trim(), '-m', 'hostile']);
  expect(commit.code, commit.stderr).toBe(0);
  expect(git(bare, ['update-ref', 'refs/heads/main', commit.stdout.trim()]).code).toBe(0);
  return commit.stdout.trim();
}

describe('remotes: push, clone, pull, merge over smart HTTP', { timeout: 300_000 }, () => {
  it('two clones change different rows, push and pull; the merge is cell-level; fresh fv and native clones see the merged rows', async () => {
    const { dir: origin, url } = published('team.git');
    await tick();
    expectBareClean(url);
    await tick();
    expect(git(path.join(server.root, 'team.git'), ['rev-parse', 'main']).stdout.trim()).toBe(rev(origin, 'main'));

    const a = cloneTo(url);
    await tick();
    const b = cloneTo(url);
    await tick();
    // The clone is set up exactly as after `fv checkout`: clean, chunks never in the work tree.
    expect(JSON.parse(ok(a, ['status', '--json']))).toMatchObject({ branch: 'main', head: rev(origin, 'main'), tables: { people: { state: 'clean' } } });
    expect(fs.existsSync(path.join(a, '.fv'))).toBe(false);
    expect(fs.readdirSync(a).sort()).toEqual(['.git', 'fv.json']);
    expectGitClean(a);
    await tick();

    put(a, 'people', 'id,name,score\n1,ann,10\n2,bob,22\n3,cy,30\n4,dee,40\n5,eve,50\n', 'bob scores 22');
    await tick();
    expect(ok(a, ['push'])).toMatch(/^origin main: [0-9a-f]{7} -> [0-9a-f]{7}\n$/);
    put(b, 'people', 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n4,dee,40\n5,EVE,50\n', 'eve in capitals');
    await tick();
    const bHead = rev(b, 'main');
    const before = treeState(b);
    // Rejected: the remote moved on. Nothing is lost locally.
    const rejected = fails(b, ['push'], /rejected.*non-fast-forward/);
    await tick();
    expect(rejected.stderr).toMatch(/hint: run `fv pull origin main` first/);
    expect(rev(b, 'main')).toBe(bHead);
    expect(treeState(b)).toEqual(before);

    expect(ok(b, ['pull'])).toMatch(/^Merged origin\/main: [0-9a-f]{7}\n$/);
    expect(ok(b, ['export', 'people'])).toBe('id,name,score\n1,ann,10\n2,bob,22\n3,cy,30\n4,dee,40\n5,EVE,50\n');
    expect(git(b, ['log', '--format=%P', '-1']).stdout.trim().split(' ')).toEqual([bHead, rev(a, 'main')]);
    expect(git(b, ['log', '--format=%s', '-1']).stdout.trim()).toBe(`Merge branch 'main' of ${url}`);
    expectGitClean(b);
    await tick();
    ok(b, ['push', '-q']);
    await tick();

    expect(ok(a, ['pull'])).toMatch(/^Fast-forward to [0-9a-f]{7} \(origin\/main\)\n$/);
    expect(rev(a, 'main')).toBe(rev(b, 'main'));
    expect(ok(a, ['export', 'people'])).toBe('id,name,score\n1,ann,10\n2,bob,22\n3,cy,30\n4,dee,40\n5,EVE,50\n');
    expectGitClean(a);
    await tick();

    // A third, fresh fv clone sees the merged data.
    const c = cloneTo(url);
    await tick();
    expect(ok(c, ['export', 'people'])).toBe('id,name,score\n1,ann,10\n2,bob,22\n3,cy,30\n4,dee,40\n5,EVE,50\n');
    expect(ok(c, ['log', '--oneline'])).toBe(ok(b, ['log', '--oneline']));
    expectGitClean(c);
    await tick();

    // Native git clone, then fv inside it.
    const nativeParent = tempDir('fv-native-');
    expect(git(nativeParent, ['clone', '-q', url, 'n']).code).toBe(0);
    const nat = path.join(nativeParent, 'n');
    expect(ok(nat, ['export', 'people'])).toBe('id,name,score\n1,ann,10\n2,bob,22\n3,cy,30\n4,dee,40\n5,EVE,50\n');
    expect(JSON.parse(ok(nat, ['status', '--json']))).toMatchObject({ branch: 'main', tables: { people: { state: 'clean' } } });
    expectBareClean(url);
    await tick();
  });

  it('clones a repository that native git pushed to, writing its other files as git would', async () => {
    const { url } = published('native.git');
    await tick();
    const parent = tempDir('fv-native-');
    expect(git(parent, ['clone', '-q', url, 'n']).code).toBe(0);
    const nat = path.join(parent, 'n');
    writeFile(nat, 'README.md', '# team data\n');
    expect(git(nat, ['add', 'README.md']).code).toBe(0);
    expect(git(nat, ['commit', '-q', '-m', 'readme']).code).toBe(0);
    const pushed = git(nat, ['push', '-q', 'origin', 'main']);
    expect(pushed.code, pushed.stderr).toBe(0);

    const c = cloneTo(url);
    await tick();
    expect(rev(c, 'HEAD')).toBe(rev(nat, 'HEAD'));
    expect(fs.readFileSync(path.join(c, 'README.md'), 'utf8')).toBe('# team data\n');
    expect(ok(c, ['export', 'people'])).toBe('id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n4,dee,40\n5,eve,50\n');
    expect(JSON.parse(ok(c, ['status', '--json']))).toMatchObject({ tables: { people: { state: 'clean' } }, definitions: 'clean' });
    expectGitClean(c);
    await tick();
    expectBareClean(url);
    await tick();
  });

  it('fetch updates remote-tracking branches only; push --force overwrites remote history; push --tags sends tags', async () => {
    const { dir: origin, url } = published('fetch.git');
    await tick();
    const a = cloneTo(url);
    await tick();
    put(origin, 'people', 'id,name,score\n1,ann,10\n', 'shrink');
    await tick();
    ok(origin, ['tag', 'v1']);
    await tick();
    expect(ok(origin, ['push', '--tags'])).toMatch(/origin tag v1\n$/);
    expect(git(path.join(server.root, 'fetch.git'), ['rev-parse', 'v1']).stdout.trim()).toBe(rev(origin, 'v1'));

    const head = rev(a, 'main');
    const out = ok(a, ['fetch']);
    await tick();
    expect(out).toBe(`origin/main: ${head.slice(0, 7)} -> ${rev(origin, 'main').slice(0, 7)}\ntag v1: (new) -> ${rev(origin, 'v1').slice(0, 7)}\n`);
    expect(rev(a, 'v1')).toBe(rev(origin, 'v1'));
    expect(rev(a, 'main')).toBe(head);
    expect(rev(a, 'origin/main')).toBe(rev(origin, 'main'));
    expect(ok(a, ['export', 'people', '--at', 'origin/main'])).toBe('id,name,score\n1,ann,10\n');
    expect(ok(a, ['fetch'])).toBe('origin: up to date\n');
    expectGitClean(a);
    await tick();

    // a diverges; --force puts its history on the remote.
    put(a, 'people', 'id,name,score\n9,zed,90\n', 'mine');
    await tick();
    fails(a, ['push'], /non-fast-forward/);
    await tick();
    ok(a, ['push', '--force', '-q']);
    await tick();
    expect(git(path.join(server.root, 'fetch.git'), ['rev-parse', 'main']).stdout.trim()).toBe(rev(a, 'main'));
    expectBareClean(url);
    await tick();
  });

  it('fetch and clone bring tags, lightweight and annotated; a local tag of the same name is kept; a tag of hostile history is refused and leaves no tag behind', async () => {
    const { dir: origin, url } = published('tags.git');
    await tick();
    const a = cloneTo(url);
    await tick();
    const first = rev(origin, 'main');
    put(origin, 'people', 'id,name,score\n1,ann,11\n', 'second');
    ok(origin, ['tag', 'light', first]);
    ok(origin, ['tag', 'ann', '-m', 'release']);
    ok(origin, ['tag', 'mine', first]);
    ok(origin, ['push', '--tags', '-q']);
    await tick();
    // A local tag of the same name is kept even when the remote's names another commit.
    put(a, 'people', 'id,name,score\n7,gil,70\n', 'local');
    ok(a, ['tag', 'mine']);
    const mine = rev(a, 'mine');
    const json = JSON.parse(ok(a, ['fetch', '--json']));
    expect(json.tags).toEqual([
      { tag: 'ann', to: git(origin, ['rev-parse', 'refs/tags/ann']).stdout.trim() },
      { tag: 'light', to: first },
    ]);
    expect(rev(a, 'ann^{commit}')).toBe(rev(origin, 'main'));
    expect(git(a, ['cat-file', '-t', 'refs/tags/ann']).stdout.trim()).toBe('tag');
    expect(rev(a, 'mine')).toBe(mine);
    expect(ok(a, ['export', 'people', '--at', 'ann'])).toBe('id,name,score\n1,ann,11\n');
    expect(ok(a, ['fetch'])).toBe('origin: up to date\n');
    expectGitClean(a);
    await tick();

    const c = cloneTo(url);
    await tick();
    expect(git(c, ['tag', '--list']).stdout.split('\n').filter(Boolean).sort()).toEqual(['ann', 'light', 'mine']);
    expect(ok(c, ['export', 'people', '--at', 'light'])).toBe('id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n4,dee,40\n5,eve,50\n');
    expectGitClean(c);
    await tick();

    // A tag naming a commit with a hostile tree: the fetch fails and adds no tag.
    const bare = path.join(server.root, 'tags.git');
    const good = rev(bare, 'main');
    const bad = hostileCommit(bare, [{ name: 'fv.json', content: '{\n  "format": 1\n}\n' }, { name: '..', content: 'pwned\n' }]);
    git(bare, ['update-ref', 'refs/heads/main', good]);
    git(bare, ['update-ref', 'refs/tags/evil', bad]);
    const before = treeState(c);
    fails(c, ['fetch'], /the path component "\.\."/);
    await tick();
    expect(treeState(c)).toEqual(before);
    expect(git(c, ['tag', '--list', 'evil']).stdout).toBe('');
    expectGitClean(c);
  });

  it('pushes a long history in bounded steps, oldest first (json result)', async () => {
    const url = server.bare('steps.git');
    const dir = newRepo();
    let csv = 'id,payload\n';
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 200; j++) csv += `${i * 1000 + j},${'x'.repeat(50)}${i}-${j}\n`;
      put(dir, 'big', csv, `step ${i}`);
    }
    ok(dir, ['remote', 'add', 'origin', url]);
    await tick();
    // FV_PUSH_STEP_BYTES is the documented knob; a tiny value forces one push per commit.
    const r = JSON.parse(ok(dir, ['push', '--json'], { env: { FV_PUSH_STEP_BYTES: '1' } }));
    expect(r).toMatchObject({ remote: 'origin', branch: 'main', status: 'pushed', from: null, to: rev(dir, 'main'), steps: 4 });
    const c = cloneTo(url);
    await tick();
    expect(ok(c, ['export', 'big'])).toBe(ok(dir, ['export', 'big']));
    expectBareClean(url);
    await tick();
  });

  it('clones with --branch and --depth', async () => {
    const { dir: origin, url } = published('shallow.git');
    await tick();
    put(origin, 'people', 'id,name,score\n1,ann,11\n', 'second');
    await tick();
    ok(origin, ['checkout', '-b', 'dev']);
    await tick();
    put(origin, 'people', 'id,name,score\n1,ann,12\n', 'on dev');
    await tick();
    ok(origin, ['push', 'origin', 'dev', '-q']);
    await tick();
    ok(origin, ['checkout', 'main']);
    await tick();
    // The remote already has "second" (through dev); main must still move.
    expect(ok(origin, ['push'])).toMatch(/^origin main: [0-9a-f]{7} -> [0-9a-f]{7}\n$/);
    const s = cloneTo(url, ['--depth', '1']);
    await tick();
    expect(fs.readFileSync(path.join(s, '.git', 'shallow'), 'utf8').trim()).toBe(rev(origin, 'main'));
    expect(ok(s, ['export', 'people'])).toBe('id,name,score\n1,ann,11\n');
    const d = cloneTo(url, ['--branch', 'dev']);
    await tick();
    expect(ok(d, ['status', '--json'])).toMatch(/"branch": "dev"/);
    expect(ok(d, ['export', 'people'])).toBe('id,name,score\n1,ann,12\n');
    expectGitClean(d);
    await tick();
  });

  it('manages remotes and never shows credentials in a URL', async () => {
    const dir = newRepo();
    ok(dir, ['remote', 'add', 'origin', 'https://example.com/team/data.git']);
    await tick();
    ok(dir, ['remote', 'add', 'backup', `https://bob:${SECRET}@example.com/b.git`]);
    await tick();
    const list = ok(dir, ['remote', 'list']);
    await tick();
    expect(list).toBe('backup\thttps://example.com/b.git\norigin\thttps://example.com/team/data.git\n');
    expect(JSON.parse(ok(dir, ['remote', 'list', '--json']))).toEqual([{ name: 'backup', url: 'https://example.com/b.git' }, { name: 'origin', url: 'https://example.com/team/data.git' }]);
    fails(dir, ['remote', 'add', 'origin', 'https://example.com/x.git'], /remote origin already exists/);
    await tick();
    fails(dir, ['remote', 'add', 'x', 'ssh://example.com/x.git'], /unsupported remote URL ssh:\/\/example.com\/x.git/);
    await tick();
    fails(dir, ['remote', 'add', '../x', 'https://example.com/x.git'], /invalid remote name/);
    await tick();
    ok(dir, ['remote', 'remove', 'backup']);
    await tick();
    expect(ok(dir, ['remote'])).toBe('origin\thttps://example.com/team/data.git\n');
    fails(dir, ['remote', 'remove', 'backup'], /no remote named "backup"/);
    await tick();
    fails(dir, ['push', 'nope'], /no remote named "nope"/);
    await tick();
    // Nothing committed yet, so fv.json is untracked: only fsck applies.
    expectGitClean(dir, { porcelain: false });
    await tick();
  });

  it('shows no progress when stderr is not a terminal, and objects and bytes when it is', async () => {
    const { url } = published('progress.git');
    await tick();
    const parent = tempDir('fv-clone-');
    const r = fv(parent, ['clone', url, 'quiet']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${FV} clone ${url} loud`, '/dev/null'], { cwd: parent, encoding: 'utf8', env: { ...process.env, HOME: parent, NO_COLOR: '1' } });
    expect(tty.status, tty.stdout).toBe(0);
    expect(tty.stdout).toMatch(/clone: .*\d+\/\d+ objects, [\d.]+ (B|KiB|MiB) received/);
  });
});

describe('remotes: authentication', { timeout: 300_000 }, () => {
  const env = { FV_USERNAME: USER, FV_PASSWORD: SECRET };

  it('pushes and clones with credentials from FV_USERNAME/FV_PASSWORD and refuses wrong ones without showing them', async () => {
    const url = authServer.bare('private.git');
    const dir = newRepo();
    put(dir, 'people', 'id,name\n1,ann\n', 'first');
    await tick();
    ok(dir, ['remote', 'add', 'origin', url]);
    await tick();
    const outputs: string[] = [];
    const noCreds = fails(dir, ['push'], /authentication to http:\/\/127.0.0.1:\d+\/private.git failed \(HTTP 401\)/);
    await tick();
    expect(noCreds.stderr).toMatch(/hint: set FV_USERNAME and FV_PASSWORD \(or FV_TOKEN\)/);
    const wrong = fails(dir, ['push'], /authentication .* failed/, { env: { FV_USERNAME: USER, FV_PASSWORD: 'wrong-password' } });
    await tick();
    outputs.push(noCreds.stdout + noCreds.stderr, wrong.stdout + wrong.stderr);
    const pushed = fv(dir, ['push'], { env });
    expect(pushed.code, pushed.stderr).toBe(0);
    outputs.push(pushed.stdout + pushed.stderr);

    const parent = tempDir('fv-clone-');
    const denied = fails(parent, ['clone', url, 'x'], /authentication .* failed \(HTTP 401\)/, { env: { FV_USERNAME: USER, FV_PASSWORD: 'nope-nope' } });
    await tick();
    expect(fs.existsSync(path.join(parent, 'x'))).toBe(false);
    const cloned = fv(parent, ['clone', url, 'y'], { env });
    expect(cloned.code, cloned.stderr).toBe(0);
    const y = path.join(parent, 'y');
    expect(ok(y, ['export', 'people'])).toBe('id,name\n1,ann\n');
    // FV_TOKEN with the user name as FV_USERNAME works too.
    const token = fv(y, ['pull'], { env: { FV_USERNAME: USER, FV_TOKEN: SECRET } });
    expect(token.code, token.stderr).toBe(0);
    outputs.push(denied.stdout + denied.stderr, cloned.stdout + cloned.stderr, token.stdout + token.stderr);

    // Credentials in the URL work for the clone, and are not stored.
    const withUser = url.replace('http://', `http://${USER}:${SECRET}@`);
    const z = fv(parent, ['clone', withUser, 'z']);
    expect(z.code, z.stderr).toBe(0);
    outputs.push(z.stdout + z.stderr);
    expect(git(path.join(parent, 'z'), ['config', 'remote.origin.url']).stdout.trim()).toBe(url);
    const badUrl = fails(parent, ['clone', url.replace('http://', `http://${USER}:wrong-${SECRET}@`), 'w'], /authentication .* failed/);
    await tick();
    outputs.push(badUrl.stdout + badUrl.stderr);

    for (const o of outputs) expect(o).not.toContain(SECRET);
    for (const d of [dir, y, path.join(parent, 'z')]) expect(allText(d)).not.toContain(SECRET);
    expect(fs.readdirSync(parent).sort()).toEqual(['y', 'z']);
    expectGitClean(y);
    await tick();
  });

  it("uses git's credential helper when the environment has no credentials", async () => {
    const url = authServer.bare('helper.git');
    const dir = newRepo();
    put(dir, 'people', 'id,name\n1,ann\n', 'first');
    await tick();
    ok(dir, ['remote', 'add', 'origin', url]);
    await tick();
    // The helper's store lives in the user's home (HOME is the repository in tests), outside .git.
    const home = tempDir('fv-home-');
    const store = path.join(home, 'creds');
    fs.writeFileSync(store, `http://${USER}:${SECRET}@127.0.0.1:${authServer.port}\n`);
    expect(git(home, ['config', '--global', 'credential.helper', `store --file=${store}`]).code).toBe(0);
    const r = fv(dir, ['push'], { env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(allText(dir)).not.toContain(SECRET);
  });
});

describe('remotes: bad input', { timeout: 300_000 }, () => {
  it('refuses an unreachable URL, an unknown remote branch and a remote that is not an fv repository, leaving nothing behind', async () => {
    const parent = tempDir('fv-clone-');
    fails(parent, ['clone', 'http://127.0.0.1:1/nothing.git', 'a'], /cannot reach http:\/\/127.0.0.1:1\/nothing.git \(ECONNREFUSED\)/);
    await tick();
    fails(parent, ['clone', `http://127.0.0.1:${server.port}/missing.git`, 'b'], /no git repository at .* \(HTTP 404\)/);
    await tick();
    fails(parent, ['clone', 'ftp://example.com/x.git', 'c'], /unsupported remote URL/);
    await tick();
    fails(parent, ['clone', 'http://127.0.0.1:1/x.git', 'd', '--depth', '0'], /--depth must be a positive whole number/);
    await tick();

    const { dir, url } = published('branches.git');
    await tick();
    fails(parent, ['clone', url, 'e', '--branch', 'nope'], /has no branch nope/);
    await tick();
    const before = treeState(dir);
    fails(dir, ['pull', 'origin', 'nope'], /has no branch nope/);
    await tick();
    expect(treeState(dir)).toEqual(before);

    // Plain git history, no fv.json.
    const plainUrl = server.bare('plain.git');
    const work = tempDir('fv-plain-');
    expect(git(work, ['clone', '-q', plainUrl, 'p']).code).toBe(0);
    writeFile(path.join(work, 'p'), 'code.py', 'print(1)\n');
    git(path.join(work, 'p'), ['add', '.']);
    git(path.join(work, 'p'), ['commit', '-q', '-m', 'code']);
    expect(git(path.join(work, 'p'), ['push', '-q', 'origin', 'main']).code).toBe(0);
    fails(parent, ['clone', plainUrl, 'f'], /is not an fv repository/);
    await tick();
    ok(dir, ['remote', 'add', 'plain', plainUrl]);
    await tick();
    const before2 = treeState(dir);
    fails(dir, ['pull', 'plain', 'main'], /is not an fv repository/);
    await tick();
    fails(dir, ['fetch', 'plain'], /is not an fv repository/);
    await tick();
    expect(treeState(dir)).toEqual(before2);
    expect(fs.readdirSync(parent)).toEqual([]);
    expectGitClean(dir);
    await tick();
  });

  it.each([
    ['a ".." entry', '..', /the path component "\.\."/],
    ['an absolute path', '/etc/passwd', /the path "\/etc\/passwd".*absolute/],
    ['a path with a directory', 'x/../../evil', /a name with "\/"/],
    ['a ".git" entry', '.GIT', /a "\.GIT" entry/],
    ['an oversized name', 'n'.repeat(300), /an oversized file name \(300 bytes\)/],
  ])('refuses a hostile remote whose tree has %s: exit 2, nothing written', async (_what, name, message) => {
    const { dir, url } = published(`hostile-${n++}.git`);
    await tick();
    const bare = path.join(server.root, path.basename(url));
    hostileCommit(bare, [{ name: 'fv.json', content: '{\n  "format": 1\n}\n' }, { name, content: 'pwned\n' }]);
    const parent = tempDir('fv-clone-');
    fails(parent, ['clone', url, 'h'], message);
    await tick();
    expect(fs.readdirSync(parent)).toEqual([]);
    const before = treeState(dir);
    fails(dir, ['pull'], message);
    await tick();
    fails(dir, ['fetch'], message);
    await tick();
    expect(treeState(dir)).toEqual(before);
    expect(fs.existsSync('/etc/passwd') && fs.readFileSync('/etc/passwd', 'utf8').includes('pwned')).toBe(false);
    expectGitClean(dir);
    await tick();
  });

  it('refuses a remote whose manifest lists chunks its tree does not hold', async () => {
    const { dir, url } = published('liar.git');
    await tick();
    const bare = path.join(server.root, 'liar.git');
    // Re-point main at a commit whose table tree has the manifest but no chunks.
    const head = git(bare, ['rev-parse', 'main^{tree}']).stdout.trim();
    const manifest = git(bare, ['rev-parse', `${head}:.fv/tables/people/manifest.json`]).stdout.trim();
    const mk = (input: string): string => spawnSync('git', ['mktree'], { cwd: bare, input, encoding: 'utf8' }).stdout.trim();
    const table = mk(`100644 blob ${manifest}\tmanifest.json\n`);
    const tables = mk(`040000 tree ${table}\tpeople\n`);
    const fvDir = mk(`040000 tree ${tables}\ttables\n`);
    const settings = git(bare, ['rev-parse', `${head}:fv.json`]).stdout.trim();
    const root = mk(`040000 tree ${fvDir}\t.fv\n100644 blob ${settings}\tfv.json\n`);
    const commit = git(bare, ['commit-tree', root, '-p', 'main', '-m', 'liar']).stdout.trim();
    git(bare, ['update-ref', 'refs/heads/main', commit]);
    const before = treeState(dir);
    fails(dir, ['pull'], /manifest.json lists chunk [0-9a-f]{40}, which is not in the table's tree/);
    await tick();
    expect(treeState(dir)).toEqual(before);
  });

  it('refuses to pull into uncommitted changes before transferring anything', async () => {
    const { dir, url } = published('dirty.git');
    await tick();
    const other = cloneTo(url);
    await tick();
    put(other, 'people', 'id,name,score\n1,ann,99\n', 'change');
    await tick();
    ok(other, ['push', '-q']);
    await tick();
    ok(dir, ['import', dataFile('dirty.csv', 'id,name,score\n7,gus,70\n'), '--table', 'people', '--key', 'id', '-q']);
    await tick();
    const before = treeState(dir);
    fails(dir, ['pull'], /cannot pull with uncommitted changes to table people/);
    await tick();
    expect(treeState(dir)).toEqual(before);
  });
});
