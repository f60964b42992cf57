// Row-level patches end to end (docs/FORMAT.md section 9): a 1% scattered
// update plus 0.5% appended rows (bench/generate.mjs's v2) is committed as a
// patch over v1's chunks. The repository grows by a few percent, and every
// reader (export, show, diff, log, blame, checkout, merge) sees exactly the
// rows a fresh import of v2 holds.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectGitClean, newRepo, ok, ROOT, tempDir } from '../helpers.js';

const N = 50_000;
// Tens of thousands of rows imported several times: far above the default per-test timeout on a busy 2-core machine.
const SLOW = 300_000;

/** Every object file, loose or pack (an import of many chunks writes a pack): path -> size in bytes. */
function objectFiles(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const objects = path.join(dir, '.git', 'objects');
  for (const d of fs.readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(d) && d !== 'pack') continue;
    for (const f of fs.readdirSync(path.join(objects, d))) out.set(`${d}/${f}`, fs.statSync(path.join(objects, d, f)).size);
  }
  return out;
}

const sum = (sizes: Iterable<number>): number => [...sizes].reduce((a, b) => a + b, 0);

/** CSV data lines keyed by their first field (the user_id). */
function linesById(file: string): Map<string, string> {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(',')), l]));
}

function exportCsv(dir: string, at?: string): string {
  return ok(dir, ['export', 'data', ...(at ? ['--at', at] : []), '--format', 'csv']);
}

function contentHash(dir: string, rev: string): string {
  return JSON.parse(ok(dir, ['show', `${rev}:data`, '--json'])).content_hash;
}

function manifestAt(dir: string, rev: string): { format: number; patch?: unknown; chunks: { oid: string }[] } {
  const r = spawnSync('git', ['cat-file', 'blob', `${rev}:.fv/tables/data/manifest.json`], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

describe('a 1% scattered update is stored as a patch', { timeout: SLOW }, () => {
  let data: string;
  let v1: string, v2: string;
  let dir: string;
  let fresh1: string, fresh2: string;

  beforeAll(() => {
    data = tempDir('fv-patch-data-');
    v1 = path.join(data, 'v1.csv');
    v2 = path.join(data, 'v2.csv');
    const g = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'generate.mjs'), String(N), v1, '--v2', v2], { encoding: 'utf8' });
    expect(g.status, g.stderr).toBe(0);
    // Fresh imports: what the same rows give without any history.
    fresh1 = newRepo();
    ok(fresh1, ['import', v1, '--table', 'data', '--key', 'user_id', '-q']);
    ok(fresh1, ['commit', '-q', '-m', 'v1']);
    fresh2 = newRepo();
    ok(fresh2, ['import', v2, '--table', 'data', '--key', 'user_id', '-q']);
    ok(fresh2, ['commit', '-q', '-m', 'v2']);
    dir = newRepo();
    ok(dir, ['import', v1, '--table', 'data', '--key', 'user_id', '-q']);
    ok(dir, ['commit', '-q', '-m', 'v1']);
  }, SLOW);

  it('grows the repository by at most 5% of v1 and reads back exactly v2', () => {
    const before = objectFiles(dir);
    ok(dir, ['import', v2, '--table', 'data', '--key', 'user_id', '-q']);
    ok(dir, ['commit', '-q', '-m', 'v2']);
    const after = objectFiles(dir);
    const grown = sum([...after].filter(([p]) => !before.has(p)).map(([, s]) => s));
    expect(grown).toBeGreaterThan(0);
    expect(grown / sum(before.values())).toBeLessThanOrEqual(0.05);
    const m = manifestAt(dir, 'HEAD');
    expect(m.format).toBe(2);
    expect(m.patch).toBeDefined();
    expect(m.chunks).toEqual(manifestAt(dir, 'HEAD~1').chunks);
    expect(exportCsv(dir)).toBe(exportCsv(fresh2));
    expect(contentHash(dir, 'HEAD')).toBe(contentHash(fresh2, 'HEAD'));
    expect(contentHash(dir, 'HEAD~1')).toBe(contentHash(fresh1, 'HEAD'));
    expectGitClean(dir);
  });

  it('diff, log and show report exactly the changed rows', () => {
    const a = linesById(v1);
    const b = linesById(v2);
    const added = [...b.keys()].filter((k) => !a.has(k));
    const modified = [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k));
    expect(added.length).toBe(N / 200);
    const d = JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--json', '--limit', '5'])).tables.data;
    expect([d.added, d.removed, d.modified]).toEqual([added.length, 0, modified.length]);
    expect(d.rows.map((r: { key: number[] }) => String(r.key[0]))).toEqual(modified.sort((x, y) => Number(x) - Number(y)).slice(0, 5));
    const first = d.rows[0];
    expect(first.op).toBe('modified');
    expect(String(first.before.f1)).toBe(a.get(modified[0]!)!.split(',')[2]);
    expect(String(first.after.f1)).toBe(b.get(modified[0]!)!.split(',')[2]);
    // The reverse direction, and the same diff as between the fresh repositories' versions.
    const r = JSON.parse(ok(dir, ['diff', 'HEAD', 'HEAD~1', '--json', '--limit', '0'])).tables.data;
    expect([r.added, r.removed, r.modified]).toEqual([0, added.length, modified.length]);
    expect(ok(dir, ['log', '-n', '1'])).toContain(`data: +${added.length} ~${modified.length}`);
    const s = JSON.parse(ok(dir, ['show', 'HEAD:data', '--json']));
    const f = JSON.parse(ok(fresh2, ['show', 'HEAD:data', '--json']));
    expect(s.rows).toBe(N + N / 200);
    expect(s.columns).toEqual(f.columns);
    expect(s.head).toEqual(f.head);
  });

  it('blame finds the changed cell in the patch and the rest in the base', () => {
    const a = linesById(v1);
    const b = linesById(v2);
    const changed = [...b.keys()].find((k) => a.has(k) && a.get(k) !== b.get(k))!;
    const bl = JSON.parse(ok(dir, ['blame', 'data', '--key', changed, '--json']));
    expect(bl.columns.f1.message).toBe('v2');
    expect(bl.columns.f2.message).toBe('v1');
    expect(bl.inserted.message).toBe('v1');
    const appended = [...b.keys()].find((k) => !a.has(k))!;
    expect(JSON.parse(ok(dir, ['blame', 'data', '--key', appended, '--json'])).inserted.message).toBe('v2');
  });

  it('checkout moves between the base version and the patched one', () => {
    ok(dir, ['checkout', 'HEAD~1']);
    expect(exportCsv(dir)).toBe(exportCsv(fresh1));
    ok(dir, ['checkout', 'main']);
    expect(exportCsv(dir)).toBe(exportCsv(fresh2));
    expectGitClean(dir);
  });

  it('patches over a patched version and merges two patched branches', () => {
    const b = linesById(v2);
    const ids = [...b.keys()];
    const header = fs.readFileSync(v2, 'utf8').split('\n', 1)[0]!;
    const withNote = (id: string, note: string): string => b.get(id)!.replace(/,[^,]*$/, `,${note}`);
    // Each branch upserts different rows: both merged results are patches over v1's chunks.
    const sideIds = ids.filter((_, i) => i % 997 === 3);
    const mainIds = ids.filter((_, i) => i % 991 === 5);
    const sideFile = path.join(data, 'side.csv');
    const mainFile = path.join(data, 'main.csv');
    fs.writeFileSync(sideFile, [header, ...sideIds.map((id) => withNote(id, 'side'))].join('\n') + '\n');
    fs.writeFileSync(mainFile, [header, ...mainIds.map((id) => withNote(id, 'main'))].join('\n') + '\n');
    ok(dir, ['checkout', '-b', 'side']);
    ok(dir, ['import', sideFile, '--table', 'data', '--mode', 'upsert', '-q']);
    ok(dir, ['commit', '-q', '-m', 'side']);
    ok(dir, ['checkout', 'main']);
    ok(dir, ['import', mainFile, '--table', 'data', '--mode', 'upsert', '-q']);
    ok(dir, ['commit', '-q', '-m', 'main']);
    ok(dir, ['merge', 'side', '-m', 'merge side']);
    expect(manifestAt(dir, 'HEAD').chunks).toEqual(manifestAt(dir, 'HEAD~2').chunks);
    // The expected rows, written whole in a fresh repository.
    const merged = new Map(b);
    for (const id of sideIds) merged.set(id, withNote(id, 'side'));
    for (const id of mainIds) merged.set(id, withNote(id, 'main'));
    const expectedFile = path.join(data, 'merged.csv');
    fs.writeFileSync(expectedFile, [header, ...merged.values()].join('\n') + '\n');
    const expected = newRepo();
    ok(expected, ['import', expectedFile, '--table', 'data', '--key', 'user_id', '-q']);
    ok(expected, ['commit', '-q', '-m', 'merged']);
    expect(exportCsv(dir)).toBe(exportCsv(expected));
    expect(contentHash(dir, 'HEAD')).toBe(contentHash(expected, 'HEAD'));
    const d = JSON.parse(ok(dir, ['diff', 'HEAD~1', 'HEAD', '--json', '--limit', '0'])).tables.data;
    expect([d.added, d.removed, d.modified]).toEqual([0, 0, sideIds.filter((id) => !mainIds.includes(id)).length]);
    expectGitClean(dir);
  });
});
