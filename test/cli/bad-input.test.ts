/**
 * Malformed input and bad arguments: every failure is one `fv: error:` line
 * naming the file (and line, where there is one), exit status 2, and the
 * repository byte-for-byte as it was. The inputs are in fixtures/bad, or
 * generated here when they are large (deep nesting) or derived from a valid
 * file (truncated Arrow / Parquet).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectGitClean, fails, fixture, newRepo, ok, tempDir, treeState, writeFile } from '../helpers.js';

const bad = (name: string): string => fixture('bad', name);
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A pattern for "<path of fixtures/bad/name>:<line>: <what>" (what is a regex source). */
const at = (name: string, line: number | null, what: string): RegExp =>
  new RegExp(`${esc(bad(name))}${line === null ? '' : `:${line}`}: ${what}`);

let repo: string;
let gen: string;
let committedCsv: string;

/** A repository with a committed keyed table `t` and an uncommitted table `w`, so there is state to disturb. */
beforeAll(() => {
  repo = newRepo();
  gen = tempDir('fv-bad-');
  ok(repo, ['import', fixture('tables', 'unsorted_keyed.csv'), '--table', 't', '--key', 'id']);
  ok(repo, ['commit', '-m', 'base']);
  ok(repo, ['import', fixture('tables', 'nulls.csv'), '--table', 'w']);
  committedCsv = ok(repo, ['export', 't']);

  // Generated inputs.
  const deep = 10000;
  writeFile(gen, 'deep.jsonl', '{"a": 1}\n{"a": ' + '['.repeat(deep) + ']'.repeat(deep) + '}\n');
  writeFile(gen, 'deep.json', '[\n  {"a": 1},\n  {"a": ' + '{"b": '.repeat(deep) + '1' + '}'.repeat(deep) + '}\n]\n');
  writeFile(gen, 'deep_unclosed.json', '[\n' + '['.repeat(deep));
  const vec = (type: arrow.DataType, values: unknown[]): arrow.Vector => {
    const b = arrow.makeBuilder({ type, nullValues: [null] });
    for (const v of values) b.append(v);
    return b.finish().toVector();
  };
  const table = new arrow.Table({ id: vec(new arrow.Int64(), [1n, 2n, null]), s: vec(new arrow.Utf8(), ['a', null, 'c']) });
  const ipc = arrow.tableToIPC(table, 'file');
  writeFile(gen, 'good.arrow', Buffer.from(ipc));
  writeFile(gen, 'truncated.arrow', Buffer.from(ipc.subarray(0, Math.floor(ipc.length / 2))));
  writeFile(gen, 'truncated_tail.arrow', Buffer.from(ipc.subarray(0, ipc.length - 10)));
  const pq = parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')));
  writeFile(gen, 'good.parquet', Buffer.from(pq));
  writeFile(gen, 'truncated.parquet', Buffer.from(pq.subarray(0, Math.floor(pq.length / 2))));
  writeFile(gen, 'truncated_tail.parquet', Buffer.from(pq.subarray(0, pq.length - 10)));
});

/** Runs a failing command and checks that the repository did not change at all. */
function failsUnchanged(args: string[], pattern: RegExp, opts: { input?: string | Buffer } = {}): void {
  const before = treeState(repo);
  fails(repo, args, pattern, opts);
  expect(treeState(repo)).toEqual(before);
}

describe('malformed input files', () => {
  const cases: [string, string[], RegExp][] = [
    ['ragged CSV row', ['ragged.csv'], at('ragged.csv', 3, 'expected 3 fields, found 4')],
    ['unterminated quote', ['unterminated.csv'], at('unterminated.csv', 3, 'unterminated quoted field starting at line 3')],
    ['invalid UTF-8', ['invalid_utf8.csv'], at('invalid_utf8.csv', 3, 'invalid UTF-8')],
    ['NUL byte in CSV', ['nul.csv'], at('nul.csv', 2, 'binary data \\(NUL byte\\)')],
    ['JSON Lines syntax error', ['syntax.jsonl'], at('syntax.jsonl', 2, 'JSON syntax error')],
    ['JSON array syntax error', ['syntax.json'], at('syntax.json', 3, "JSON syntax error: expected ',' or '}'")],
    ['JSON Lines line that is an array', ['array_line.jsonl'], at('array_line.jsonl', 2, 'expected an object, found array')],
    ['empty CSV', ['empty.csv'], at('empty.csv', null, 'file is empty')],
    ['empty JSON Lines', ['empty.jsonl'], at('empty.jsonl', null, 'file is empty')],
    ['empty JSON', ['empty.json'], at('empty.json', null, 'file is empty')],
    ['duplicate column names', ['dup_columns.csv'], at('dup_columns.csv', 1, 'duplicate column name "a"')],
    ['garbage Arrow', ['garbage.arrow'], at('garbage.arrow', null, 'not a valid Arrow IPC file')],
    ['garbage Parquet', ['garbage.parquet'], at('garbage.parquet', null, 'not a valid Parquet file')],
    ['duplicate key with --key', ['dup_key.csv', '--key', 'id'], new RegExp(`^fv: error: duplicate key \\(1\\) at ${esc(bad('dup_key.csv'))}:4, first seen at ${esc(bad('dup_key.csv'))}:2$`)],
    ['--types that cannot parse a cell', ['bad_int.csv', '--types', 'age:int64'], at('bad_int.csv', 3, 'column "age": cannot parse "abc" as int64')],
    ['--types timestamp[ns] with a value beyond its int64 range', ['timestamp_overflow.csv', '--types', 't:timestamp[ns, UTC]'], at('timestamp_overflow.csv', 3, 'column "t": "2300-01-01T00:00:00Z" is out of range for timestamp\\[ns, UTC\\]')],
    ['--schema with an unknown type', ['bad_int.csv', '--schema', bad('unknown_type.schema.json')], /unknown type "varchar\(10\)"/],
  ];
  for (const [what, [file, ...rest], pattern] of cases) {
    it(`${what} (${file})`, () => {
      // Into a new table and over the committed one: neither may change anything.
      failsUnchanged(['import', bad(file!), '--table', 'n', ...rest], pattern);
      failsUnchanged(['import', bad(file!), '--table', 't', ...rest], pattern);
    });
  }

  it('JSON nested 10000 levels deep (JSON Lines, JSON array, unclosed) is refused without exhausting the stack', () => {
    failsUnchanged(['import', path.join(gen, 'deep.jsonl'), '--table', 'n'], new RegExp(`${esc(path.join(gen, 'deep.jsonl'))}:2: nesting deeper than \\d+ levels`));
    failsUnchanged(['import', path.join(gen, 'deep.json'), '--table', 'n'], new RegExp(`${esc(path.join(gen, 'deep.json'))}:3: nesting deeper than \\d+ levels`));
    failsUnchanged(['import', path.join(gen, 'deep_unclosed.json'), '--table', 'n'], new RegExp(`${esc(path.join(gen, 'deep_unclosed.json'))}:2: nesting deeper than \\d+ levels`));
  });

  it('truncated Arrow and Parquet files are refused (and the intact ones import)', () => {
    for (const f of ['truncated.arrow', 'truncated_tail.arrow']) {
      failsUnchanged(['import', path.join(gen, f), '--table', 'n'], new RegExp(`${esc(path.join(gen, f))}: not a valid Arrow IPC file`));
    }
    for (const f of ['truncated.parquet', 'truncated_tail.parquet']) {
      failsUnchanged(['import', path.join(gen, f), '--table', 'n'], new RegExp(`${esc(path.join(gen, f))}: not a valid Parquet file`));
    }
    // Control: the files they were cut from are fine (checked in a scratch repository).
    const dir = newRepo();
    ok(dir, ['import', path.join(gen, 'good.arrow'), '--table', 'a']);
    ok(dir, ['import', path.join(gen, 'good.parquet'), '--table', 'p']);
    const want = '{"id":1,"s":"a"}\n{"id":2,"s":null}\n{"id":null,"s":"c"}\n';
    expect(ok(dir, ['export', 'a', '--format', 'jsonl'])).toBe(want);
    expect(ok(dir, ['export', 'p', '--format', 'jsonl'])).toBe(want);
  });

  it('more JSON shapes: a JSON file that is not an array, a non-object element, a trailing comma, a duplicate key, junk after the array', () => {
    const cases: [string, string, RegExp][] = [
      ['object.json', '{"a": 1}\n', /object\.json:1: expected a JSON array of objects at the top level, found object/],
      ['scalar_elem.json', '[\n{"a": 1},\n2\n]\n', /scalar_elem\.json:3: expected an object, found number/],
      ['trailing_comma.json', '[\n{"a": 1},\n]\n', /trailing_comma\.json:3: JSON syntax error: trailing comma/],
      ['dup.jsonl', '{"a": 1}\n{"a": 1, "a": 2}\n', /dup\.jsonl:2: duplicate key "a"/],
      ['junk.json', '[{"a": 1}]\nx\n', /junk\.json:2: JSON syntax error: unexpected 'x' after the top-level array/],
      // A lone surrogate cannot be stored as UTF-8 (it would silently become U+FFFD); in nested JSON text it stays escaped.
      ['lone_surrogate.jsonl', '{"a": "ok"}\n{"a": "x\\ud800y"}\n', /lone_surrogate\.jsonl:2: column "a": string with a lone surrogate \(\\ud800\) cannot be stored as UTF-8/],
      ['lone_key.json', '[\n  {"a": 1},\n  {"\\udc00": 1}\n]\n', /lone_key\.json:3: string with a lone surrogate \(\\udc00\)/],
      ['unclosed.json', '[{"a": 1},\n{"a": 2}\n', /unclosed\.json:3: JSON syntax error: unexpected end of input/],
      ['bad_utf8.jsonl', Buffer.concat([Buffer.from('{"a": "ok"}\n{"a": "caf'), Buffer.from([0xc3]), Buffer.from('"}\n')]).toString('latin1'), /bad_utf8\.jsonl:2: invalid UTF-8/],
    ];
    for (const [name, content, pattern] of cases) {
      const p = writeFile(gen, name, name.startsWith('bad_utf8') ? Buffer.from(content, 'latin1') : content);
      failsUnchanged(['import', p, '--table', 'n'], pattern);
    }
  });

  it('a header-only CSV is not an error: it is an empty table with those columns', () => {
    const dir = newRepo();
    ok(dir, ['import', fixture('tables', 'header_only.csv'), '--table', 'h']);
    const s = JSON.parse(ok(dir, ['show', ':h', '--json'])) as { rows: number; columns: { name: string }[] };
    expect(s.rows).toBe(0);
    expect(s.columns.map((c) => c.name)).toEqual(['id', 'name', 'amount']);
    ok(dir, ['commit', '-m', 'empty table']);
    expect(ok(dir, ['export', 'h'])).toBe('id,name,amount\n');
    expectGitClean(dir);
  });

  it('the repository still holds what it held, and git accepts it', () => {
    expect(ok(repo, ['export', 't'])).toBe(committedCsv);
    expect(ok(repo, ['export', 't', '--at', 'HEAD'])).toBe(committedCsv);
    expectGitClean(repo, { porcelain: true });
  });
});

describe('bad arguments', () => {
  it('a key column that does not exist', () => {
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--key', 'nope'], /nulls\.csv: key column "nope" does not exist/);
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--key', 'id,nope'], /key column "nope" does not exist/);
  });

  it('--types naming a missing column, or an unknown type', () => {
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--types', 'nope:int64'], /nulls\.csv: column "nope" given in --types does not exist/);
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--types', 'id:integerx'], /unknown type "integerx"/);
    // Arrow files keep their own types; an override may only restate them.
    failsUnchanged(['import', path.join(gen, 'good.arrow'), '--table', 'n', '--types', 'id:utf8'], /good\.arrow: column "id" is int64 in the file, not utf8/);
  });

  it('a --time column that is not temporal', () => {
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--time', 's'], /nulls\.csv: time column "s" is utf8/);
  });

  it('an unknown table on export, an unknown ref, and no output file left behind', () => {
    const out = tempDir('fv-out-');
    failsUnchanged(['export', 'nope'], /no table "nope" in the working state/);
    failsUnchanged(['export', 'nope', '-o', path.join(out, 'x.csv')], /no table "nope"/);
    failsUnchanged(['export', 'w', '--at', 'HEAD'], /no table "w" at HEAD/);
    failsUnchanged(['export', 't', '--at', 'nope'], /unknown revision "nope"/);
    failsUnchanged(['export', 't', '--at', 'nope', '-o', path.join(out, 'y.parquet')], /unknown revision "nope"/);
    failsUnchanged(['show', 'nope:t'], /unknown revision "nope"/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('invalid table names', () => {
    for (const name of ['a/b', '..', '.x', '', 'a b', '../t', 'x'.repeat(129)]) {
      failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', name], new RegExp(`invalid table name ${esc(JSON.stringify(name))}`));
    }
    for (const name of ['a/b', '..', '.x']) failsUnchanged(['export', name], new RegExp(`invalid table name ${esc(JSON.stringify(name))}`));
  });

  it('unknown --format and --mode, a file whose format cannot be told, a missing file, a directory', () => {
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--format', 'xml'], /unknown format "xml"/);
    failsUnchanged(['export', 't', '--format', 'xml'], /unknown format "xml"/);
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--mode', 'merge'], /--mode must be replace, append or upsert, not "merge"/);
    const txt = writeFile(gen, 'data.txt', 'a,b\n1,2\n');
    failsUnchanged(['import', txt, '--table', 'n'], /cannot tell the format of .*data\.txt/);
    failsUnchanged(['import', path.join(gen, 'missing.csv'), '--table', 'n'], /missing\.csv: no such file or directory/);
    failsUnchanged(['import', gen, '--table', 'n', '--format', 'csv'], /is a directory/);
  });

  it('a CSV read as the wrong format fails cleanly', () => {
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--format', 'jsonl'], /nulls\.csv:1: JSON syntax error|nulls\.csv:1: .*expected an object/);
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--format', 'arrow'], /nulls\.csv: not a valid Arrow IPC file/);
    failsUnchanged(['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--format', 'parquet'], /nulls\.csv: not a valid Parquet file/);
  });

  it('stdin errors name <stdin>', () => {
    failsUnchanged(['import', '-', '--table', 'n'], /<stdin>:2: invalid UTF-8/, { input: Buffer.concat([Buffer.from('a\n'), Buffer.from([0xff, 0x0a])]) });
    failsUnchanged(['import', '-', '--table', 'n', '--format', 'jsonl'], /<stdin>:1: expected an object, found array/, { input: '[1]\n' });
    failsUnchanged(['import', '-', '--table', 'n'], /<stdin>: file is empty/, { input: '' });
  });

  it('running outside a repository', () => {
    const plain = tempDir('fv-plain-');
    const csv = writeFile(plain, 'x.csv', 'a\n1\n');
    const before = treeState(plain);
    fails(plain, ['import', csv, '--table', 't'], /not an fv repository/);
    fails(plain, ['export', 't'], /not an fv repository/);
    fails(plain, ['show', ':t'], /not an fv repository/);
    fails(plain, ['status'], /not an fv repository/);
    fails(plain, ['commit', '-m', 'x'], /not an fv repository/);
    expect(treeState(plain)).toEqual(before);
    expect(fs.existsSync(path.join(plain, '.git'))).toBe(false);
  });
});
