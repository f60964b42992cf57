/**
 * Mutation fuzz of every importer (csv, tsv, jsonl, json, arrow, parquet)
 * and of the features.json loader. Each case mutates a good fixture with a
 * seeded mutation (test/fuzz/mutate.ts) and must either
 *   - import, and then export and re-import to exactly the same content, or
 *   - fail with an FvError: exit 2 and one `fv: error:` line through the
 *     CLI's own mapping (describeError), and the repository unchanged.
 * Anything else (TypeError, RangeError, "internal error") is a bug. Most
 * cases run in-process through the compiled library (dist/, built by
 * `npx tsc`); a sample goes through the real bin/fv and must give the same
 * answer. FV_TORTURE=1 multiplies the case counts by 5.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fv, newRepo, ROOT, tempDir, treeState } from '../helpers.js';
import { mutate } from './mutate.js';

const SCALE = process.env.FV_TORTURE === '1' ? 5 : 1;
const dist = (p: string): string => path.join(ROOT, 'dist', p);
const lib = (await import(dist('index.js'))) as typeof import('../../src/index.js');
const { describeError } = (await import(dist('cli/describe-error.js'))) as typeof import('../../src/cli/describe-error.js');
const { parseDefinitions } = (await import(dist('features/definitions.js'))) as typeof import('../../src/features/definitions.js');

type Format = 'csv' | 'tsv' | 'jsonl' | 'json' | 'arrow' | 'parquet';
interface Seed { name: string; format: Format; bytes: Buffer; key: string[] }
interface Outcome { ok: boolean; line: string | null; internal: boolean }

/** What must hold for one case; returns a problem description or null. */
type Problem = string | null;

/** The files the repository's meaning lives in (objects by name: a failed import may not add any). */
function repoState(dir: string): string {
  const parts: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else parts.push(`${path.relative(dir, p)}=${/\/objects\//.test(p) ? '' : fs.readFileSync(p).toString('base64')}`);
    }
  };
  walk(path.join(dir, '.git'));
  return parts.join('\n');
}

const gen = tempDir('fv-fuzz-');

/** Good inputs: the text fixtures as they are, and Arrow / Parquet made from some of them by fv itself. */
async function seeds(repo: InstanceType<typeof lib.Repository>): Promise<Seed[]> {
  const out: Seed[] = [];
  const tables = path.join(ROOT, 'fixtures', 'tables');
  for (const f of fs.readdirSync(tables).sort()) {
    const format = ({ '.csv': 'csv', '.tsv': 'tsv', '.jsonl': 'jsonl', '.json': 'json' } as Record<string, Format>)[path.extname(f)];
    if (!format) continue;
    const bytes = fs.readFileSync(path.join(tables, f));
    const header = bytes.toString('utf8').split('\n')[0]!.replace(/^\ufeff/, '');
    out.push({ name: f, format, bytes, key: format === 'csv' && /^"?id"?[,\n\r]/.test(header) ? ['id'] : [] });
  }
  for (const f of ['temporal.csv', 'nulls.csv', 'multibyte.csv', 'floats.csv', 'records.jsonl']) {
    await repo.import(path.join(tables, f), { table: 'seed' });
    for (const format of ['arrow', 'parquet'] as const) {
      const p = path.join(gen, `${path.basename(f, path.extname(f))}.${format}`);
      await repo.export('seed', { output: p });
      out.push({ name: path.basename(p), format, bytes: fs.readFileSync(p), key: [] });
    }
  }
  return out;
}

/** How many cases each format gets at CI size (2,000 in all with the definitions). */
const PER_FORMAT: Record<Format, number> = { csv: 560, tsv: 140, jsonl: 180, json: 180, arrow: 160, parquet: 130 };
const DEFINITION_CASES = 650;

function caseFile(seed: Seed, n: number, bytes: Buffer): string {
  const p = path.join(gen, `case-${n}.${seed.format}`);
  fs.writeFileSync(p, bytes);
  return p;
}

async function runImport(repo: InstanceType<typeof lib.Repository>, file: string, seed: Seed, n: number): Promise<{ outcome: Outcome; problem: Problem }> {
  const before = repoState(repo.dir);
  try {
    const r = await repo.import(file, { table: 'f', format: seed.format, ...(seed.key.length ? { key: seed.key } : {}) });
    // It was still a valid file: what was stored must come back exactly.
    const arrowOut = path.join(gen, `rt-${n}.arrow`);
    await repo.export('f', { output: arrowOut });
    const back = await repo.import(arrowOut, { table: 'g', key: r.key });
    if (back.contentHash !== r.contentHash || back.rows !== r.rows) return { outcome: { ok: true, line: null, internal: false }, problem: `arrow round trip changed the table (${r.rows} rows ${r.contentHash} -> ${back.rows} rows ${back.contentHash})` };
    // Exporting in the file's own format must work too.
    await repo.export('f', { output: path.join(gen, `rt-${n}.${seed.format}`) });
    return { outcome: { ok: true, line: null, internal: false }, problem: null };
  } catch (e) {
    const d = describeError(e);
    const outcome = { ok: false, line: d.line, internal: d.internal };
    if (d.internal || !(e instanceof lib.FvError)) return { outcome, problem: `not an FvError: ${(e as Error)?.stack ?? String(e)}` };
    if (d.exitCode !== 2 || !d.line?.startsWith('fv: error: ') || d.line.includes('\n')) return { outcome, problem: `bad message: ${JSON.stringify(d)}` };
    if (repoState(repo.dir) !== before) return { outcome, problem: 'a failed import changed the repository' };
    return { outcome, problem: null };
  }
}

describe('mutation fuzz', () => {
  it(`every importer, ${Object.values(PER_FORMAT).reduce((a, b) => a + b) * SCALE} mutated files: imports and round-trips, or an FvError with the repository unchanged`, async () => {
    const dir = newRepo();
    const repo = await lib.openRepository(dir);
    const all = await seeds(repo);
    const problems: string[] = [];
    let cases = 0;
    let imported = 0;
    for (const format of Object.keys(PER_FORMAT) as Format[]) {
      const mine = all.filter((s) => s.format === format);
      expect(mine.length, format).toBeGreaterThan(0);
      for (let i = 0; i < PER_FORMAT[format] * SCALE; i++) {
        const seed = mine[i % mine.length]!;
        const caseSeed = 1000003 * (Object.keys(PER_FORMAT).indexOf(format) + 1) + i;
        const m = mutate(seed.bytes, caseSeed);
        const file = caseFile(seed, cases, m.bytes);
        const { outcome, problem } = await runImport(repo, file, seed, cases);
        cases++;
        if (outcome.ok) imported++;
        if (problem) problems.push(`${format} seed=${caseSeed} ${seed.name} [${m.what}]: ${problem.split('\n').slice(0, 4).join(' | ')}`);
        fs.rmSync(file);
      }
    }
    console.info(`import fuzz: ${cases} cases, ${imported} imported and round-tripped, ${cases - imported} refused, ${problems.length} internal errors`);
    expect(problems).toEqual([]);
    // Sanity: the fuzz reaches both outcomes, so it is testing something.
    expect(imported).toBeGreaterThan(cases / 20);
    expect(cases - imported).toBeGreaterThan(cases / 20);
  }, 1_200_000 * SCALE);

  it(`features.json: ${DEFINITION_CASES * SCALE} mutated definitions parse or fail with a BAD_DEFINITIONS error`, () => {
    const good = fs.readFileSync(fixture('definitions', 'features.json'));
    const tables = new Map([
      ['user_stats', ['user_id', 'ts', 'created_ts', 'spend_7d', 'visits_7d', 'name']],
      ['churn_labels', ['user_id', 'label_ts', 'churned']],
    ]);
    expect(parseDefinitions(good, { tables }).training_sets.size).toBe(1);
    const problems: string[] = [];
    let parsed = 0;
    for (let i = 0; i < DEFINITION_CASES * SCALE; i++) {
      const seed = 7000001 + i;
      const m = mutate(good, seed);
      try {
        parseDefinitions(m.bytes, { tables });
        parsed++;
      } catch (e) {
        const d = describeError(e);
        if (d.internal || !(e instanceof lib.FvError) || e.code !== 'BAD_DEFINITIONS' || !d.line?.startsWith('fv: error: features.json')) {
          problems.push(`seed=${seed} [${m.what}]: ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(parsed).toBeGreaterThan(0);
  });

  it('a sample of 40 cases through the real bin/fv gives the same answer as in-process', async () => {
    const dir = newRepo();
    const lrepoDir = newRepo();
    const lrepo = await lib.openRepository(lrepoDir);
    const all = await seeds(lrepo);
    const problems: string[] = [];
    for (let i = 0; i < 40; i++) {
      const seed = all[(i * 7) % all.length]!;
      const caseSeed = 9000011 + i;
      const m = mutate(seed.bytes, caseSeed);
      const file = caseFile(seed, 100000 + i, m.bytes);
      const { outcome } = await runImport(lrepo, file, seed, 100000 + i);
      const before = treeState(dir);
      const r = fv(dir, ['import', file, '--table', 'f', '--format', seed.format, ...(seed.key.length ? ['--key', seed.key.join(',')] : [])]);
      const label = `${seed.name} seed=${caseSeed} [${m.what}]`;
      if (outcome.ok) {
        if (r.code !== 0) problems.push(`${label}: in-process imported, bin/fv exited ${r.code}: ${r.stderr}`);
        continue;
      }
      const lines = r.stderr.trimEnd().split('\n');
      if (r.code !== 2) problems.push(`${label}: bin/fv exited ${r.code}, want 2: ${r.stderr}`);
      else if (lines[0] !== outcome.line) problems.push(`${label}: bin/fv said ${JSON.stringify(lines[0])}, in-process ${JSON.stringify(outcome.line)}`);
      else if (!lines.slice(1).every((l) => l.startsWith('hint: ')) || /\n\s+at /.test(r.stderr)) problems.push(`${label}: more than one error line: ${r.stderr}`);
      else if (JSON.stringify([...treeState(dir)]) !== JSON.stringify([...before])) problems.push(`${label}: bin/fv changed the repository`);
    }
    expect(problems).toEqual([]);
  }, 600_000);
});
