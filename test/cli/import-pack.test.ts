/**
 * An import of many chunks writes them into one git pack (docs/FORMAT.md
 * section 8): native git verifies it, the manifests and trees are those of
 * loose objects, a failed import leaves no pack and no temp file, the same
 * data imported again writes no pack, and `fv gc` removes packs nothing
 * reaches and the leftovers of a killed writer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { settle, table } from '../reliability/kill-harness.js';
import { dataFile, expectGitClean, fails, git, newRepo, ok, treeState } from '../helpers.js';

/** Rows for over 100 chunks (the default threshold for a pack): ~5,400 of these narrow rows make a chunk. */
const BIG = 800_000;
/** Smaller tables (~15 chunks), packed from 10 objects: as the default does for larger ones, faster. */
const ROWS = 80_000;
const PACK = { FV_PACK_MIN_OBJECTS: '10' };
/** With this, every object of a command is written loose (the threshold is never reached). */
const LOOSE = { FV_PACK_MIN_OBJECTS: '100000000' };

const packDir = (dir: string) => path.join(dir, '.git', 'objects', 'pack');
const packs = (dir: string) => fs.readdirSync(packDir(dir)).filter((f) => f.endsWith('.pack')).sort();
const tempFiles = (dir: string) => fs.readdirSync(packDir(dir)).filter((f) => f.startsWith('tmp_'));
const looseCount = (dir: string) => Number(/^count: (\d+)$/m.exec(git(dir, ['count-objects', '-v']).stdout)![1]);
const ago = (file: string, seconds: number) => fs.utimesSync(file, new Date(Date.now() - seconds * 1000), new Date(Date.now() - seconds * 1000));

describe('an import writes one pack', () => {
  it('that git verifies, with the same manifests and trees as loose objects', async () => {
    const big = dataFile('pack-big.csv', table(BIG, 3));
    const dir = newRepo();
    ok(dir, ['import', big, '--table', 't', '--key', 'id', '-q']);
    expect(packs(dir)).toHaveLength(1);
    expect(looseCount(dir)).toBe(0);
    expect(tempFiles(dir)).toEqual([]);
    const idx = path.join(packDir(dir), packs(dir)[0]!.replace(/\.pack$/, '.idx'));
    const verify = git(dir, ['verify-pack', '-v', idx]);
    expect(verify.code, verify.stderr).toBe(0);
    const objects = Number(/non delta: (\d+) objects/.exec(verify.stdout)![1]);
    expect(objects).toBeGreaterThan(100); // the chunks and the manifest
    ok(dir, ['commit', '-q', '-m', 'v1']);
    expectGitClean(dir);
    await settle();

    // The same table packed and loose (small enough to stay under the 16 MiB that opens a pack whatever the count).
    const mid = dataFile('pack-mid.csv', table(ROWS, 3));
    const [packed, loose] = [newRepo(), newRepo()];
    for (const [repo, env] of [[packed, PACK], [loose, LOOSE]] as const) {
      ok(repo, ['import', mid, '--table', 't', '--key', 'id', '-q'], { env });
      ok(repo, ['commit', '-q', '-m', 'v1'], { env });
    }
    expect(packs(packed).length).toBeGreaterThan(0);
    expect(packs(loose)).toEqual([]);
    expect(looseCount(loose)).toBeGreaterThan(10);
    expect(git(packed, ['rev-parse', 'HEAD^{tree}']).stdout).toBe(git(loose, ['rev-parse', 'HEAD^{tree}']).stdout);
    expect(ok(packed, ['export', 't'])).toBe(ok(loose, ['export', 't']));
    await settle();

    // The same data again: every object exists, nothing is written.
    const before = { packs: packs(dir), loose: looseCount(dir) };
    ok(dir, ['import', big, '--table', 't2', '--key', 'id', '-q']);
    expect({ packs: packs(dir), loose: looseCount(dir) }).toEqual(before);
    expectGitClean(dir, { porcelain: false });
  });

  it('and a failed import leaves none, nor a temp file', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('pack-small.csv', table(10, 1)), '--table', 's', '--key', 'id']);
    ok(dir, ['commit', '-m', 'small']);
    const before = treeState(dir);
    // A duplicate key near the end: found after most chunks were written into the pack.
    const dup = dataFile('pack-dup.csv', table(ROWS, 5) + `${ROWS - 1},dup,1.25,2024-01-01T00:00:00Z\n`);
    fails(dir, ['import', dup, '--table', 't', '--key', 'id'], /duplicate key/, { env: PACK });
    expect(treeState(dir)).toEqual(before);
    // Out of key order: the first streamed attempt is dropped, the file sorted and written.
    const shuffled = table(ROWS, 7).split('\n');
    const unsorted = dataFile('pack-unsorted.csv', [shuffled[0], ...shuffled.slice(1, -1).reverse()].join('\n') + '\n');
    ok(dir, ['import', unsorted, '--table', 'u', '--key', 'id', '-q'], { env: PACK });
    expect(packs(dir)).toHaveLength(1);
    expect(tempFiles(dir)).toEqual([]);
    expectGitClean(dir, { porcelain: false });
  });
});

describe('fv gc and packs', () => {
  it('removes a pack nothing reaches, keeps the reachable ones, and removes a killed writer\'s leftovers', () => {
    const dir = newRepo();
    ok(dir, ['import', dataFile('gc-pack-a.csv', table(ROWS, 11)), '--table', 't', '--key', 'id', '-q'], { env: PACK });
    const [abandoned] = packs(dir);
    ok(dir, ['import', dataFile('gc-pack-b.csv', table(ROWS, 13)), '--table', 't', '--key', 'id', '-q'], { env: PACK });
    ok(dir, ['commit', '-q', '-m', 'b'], { env: PACK });
    expect(packs(dir).length).toBeGreaterThanOrEqual(2);
    const kept = packs(dir).filter((p) => p !== abandoned);
    // What a killed writer leaves: a temp pack of a dead pid, and a pack that never got its index.
    const deadTemp = path.join(packDir(dir), 'tmp_pack_fv-999999999-0123456789ab');
    fs.writeFileSync(deadTemp, 'PACK partial');
    const orphan = path.join(packDir(dir), `pack-${'e'.repeat(40)}.pack`);
    fs.writeFileSync(orphan, 'PACK without an index');
    ago(orphan, 7200);

    // Young packs stay for the grace period; a dead pid's temp file goes at once.
    const young = JSON.parse(ok(dir, ['gc', '--json']));
    expect(young.removed_packs).toEqual([]);
    expect(young.leftovers).toEqual([path.basename(orphan), path.basename(deadTemp)].sort());
    expect(fs.existsSync(deadTemp) || fs.existsSync(orphan)).toBe(false);

    const abandonedFile = path.join(packDir(dir), abandoned!);
    ago(abandonedFile, 7200);
    for (const p of kept) ago(path.join(packDir(dir), p), 7200);
    const dry = JSON.parse(ok(dir, ['gc', '--dry-run', '--json']));
    expect(dry.removed_packs.map((p: { name: string }) => p.name)).toEqual([abandoned]);
    expect(fs.existsSync(abandonedFile)).toBe(true);
    expect(ok(dir, ['gc'])).toMatch(/removed 1 unreachable pack: pack-/);
    expect(packs(dir)).toEqual(kept);
    expect(fs.readdirSync(packDir(dir)).filter((f) => f.endsWith('.idx'))).toHaveLength(kept.length);
    expectGitClean(dir);
    expect(ok(dir, ['export', 't']).split('\n').filter(Boolean)).toHaveLength(ROWS + 1);
    // Native git's own gc and fsck agree.
    expect(git(dir, ['gc', '-q']).code).toBe(0);
    expectGitClean(dir);
  });
});
