/**
 * Black-box import/export tests: every fixture under fixtures/tables is
 * imported with the real CLI, committed, exported in every output format
 * after a branch round trip, and the exports are imported again. The
 * expected contents below are written out by hand (not produced by fv), so
 * they pin down null vs "", int64 exactness, float and timestamp text forms
 * and key order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { expectGitClean, fails, fixture, newRepo, ok, okAsync, tempDir, treeState, writeFile } from '../helpers.js';

type Formats = 'csv' | 'tsv' | 'jsonl' | 'json' | 'arrow' | 'parquet';
const FORMATS: Formats[] = ['csv', 'tsv', 'jsonl', 'json', 'arrow', 'parquet'];

interface ShownTable {
  rows: number;
  key: string[];
  content_hash: string;
  columns: { name: string; type: string; nulls: number }[];
}

async function showAsync(dir: string, target: string): Promise<ShownTable> {
  return JSON.parse(await okAsync(dir, ['show', target, '--json'])) as ShownTable;
}

function show(dir: string, target: string): ShownTable {
  return JSON.parse(ok(dir, ['show', target, '--json'])) as ShownTable;
}

function types(t: ShownTable): [string, string][] {
  return t.columns.map((c) => [c.name, c.type]);
}

/** Text of JSON Lines: one line per argument, each ending in "\n". */
function lines(...ls: string[]): string {
  return ls.map((l) => l + '\n').join('');
}

/** The JSON-array export of the same rows as `jsonl` (fv writes one object per line). */
function jsonArray(jsonl: string): string {
  const ls = jsonl.split('\n').filter((l) => l.length > 0);
  return ls.length === 0 ? '[]\n' : '[\n' + ls.join(',\n') + '\n]\n';
}

interface Case {
  file: string;
  /** Extra import flags (--key ...). */
  args?: string[];
  rows: number;
  types: [string, string][];
  jsonl: string;
  csv?: string;
  tsv?: string;
  /** Formats whose export cannot be re-imported as the same table; the reason is in `why`. */
  noReimport?: Formats[];
  why?: string;
}

const CASES: Record<string, Case> = {
  quoting: {
    file: 'quoting.csv',
    rows: 7,
    types: [['id', 'int64'], ['text', 'utf8'], ['note', 'utf8']],
    csv:
      'id,text,note\n' +
      '1,"hello, world",plain\n' +
      '2,"she said ""hi""",x\n' +
      '3,"line one\nline two",y\n' +
      '4,"a ""quoted"", comma\nand newline",z\n' +
      '5,no quotes here,trailing space \n' +
      '6, leading space,""""\n' +
      '7,"it\'s 5"" tall",q\n',
    jsonl: lines(
      String.raw`{"id":1,"text":"hello, world","note":"plain"}`,
      String.raw`{"id":2,"text":"she said \"hi\"","note":"x"}`,
      String.raw`{"id":3,"text":"line one\nline two","note":"y"}`,
      String.raw`{"id":4,"text":"a \"quoted\", comma\nand newline","note":"z"}`,
      String.raw`{"id":5,"text":"no quotes here","note":"trailing space "}`,
      String.raw`{"id":6,"text":" leading space","note":"\""}`,
      String.raw`{"id":7,"text":"it's 5\" tall","note":"q"}`,
    ),
  },
  crlf_bom: {
    file: 'crlf_bom.csv',
    rows: 4,
    // The BOM is not part of the first column's name; "00501" keeps its zeros; CR LF inside quotes is data.
    types: [['code', 'utf8'], ['city', 'utf8'], ['count', 'int64']],
    csv: 'code,city,count\n00501,Holtsville,1\n02134,"Boston, MA",2\n10001,"multi\r\nline",3\n99501,"",\n',
    jsonl: lines(
      String.raw`{"code":"00501","city":"Holtsville","count":1}`,
      String.raw`{"code":"02134","city":"Boston, MA","count":2}`,
      String.raw`{"code":"10001","city":"multi\r\nline","count":3}`,
      String.raw`{"code":"99501","city":"","count":null}`,
    ),
  },
  multibyte: {
    file: 'multibyte.csv',
    rows: 7,
    types: [['id', 'int64'], ['naïve', 'utf8'], ['text', 'utf8']],
    csv:
      'id,naïve,text\n1,日本語,東京都\n2,emoji,😀👍🏽\n3,combining,e\u0301\n4,precomposed,\u00e9\n' +
      '5,mixed,"Ünïcödé, 中文 and 🎉"\n6,zwj,👨\u200d👩\u200d👧\n7,fraktur,𝔘𝔫𝔦𝔠𝔬𝔡𝔢\n',
    jsonl: lines(
      '{"id":1,"naïve":"日本語","text":"東京都"}',
      '{"id":2,"naïve":"emoji","text":"😀👍🏽"}',
      '{"id":3,"naïve":"combining","text":"e\u0301"}',
      '{"id":4,"naïve":"precomposed","text":"\u00e9"}',
      '{"id":5,"naïve":"mixed","text":"Ünïcödé, 中文 and 🎉"}',
      '{"id":6,"naïve":"zwj","text":"👨\u200d👩\u200d👧"}',
      '{"id":7,"naïve":"fraktur","text":"𝔘𝔫𝔦𝔠𝔬𝔡𝔢"}',
    ),
  },
  unicode_keys: {
    file: 'unicode_keys.csv',
    args: ['--key', 'k'],
    rows: 7,
    types: [['k', 'utf8'], ['v', 'int64']],
    // Key order is by code point: U+FF01 sorts before U+1F600 although its UTF-16 unit is larger than the surrogate's.
    csv: 'k,v\nZ,0\na,1\nb,2\ne\u0301,4\n\u00e9,5\n\uFF01,6\n😀,7\n',
    jsonl: lines('{"k":"Z","v":0}', '{"k":"a","v":1}', '{"k":"b","v":2}', '{"k":"e\u0301","v":4}', '{"k":"\u00e9","v":5}', '{"k":"\uFF01","v":6}', '{"k":"😀","v":7}'),
  },
  nulls: {
    file: 'nulls.csv',
    rows: 4,
    // An all-empty column has no evidence of a type: utf8, all null.
    types: [['id', 'int64'], ['s', 'utf8'], ['n', 'int64'], ['b', 'bool'], ['e', 'utf8']],
    csv: 'id,s,n,b,e\n1,,,,\n2,"",0,false,\n3,x,,true,\n4,"",5,,\n',
    jsonl: lines(
      '{"id":1,"s":null,"n":null,"b":null,"e":null}',
      '{"id":2,"s":"","n":0,"b":false,"e":null}',
      '{"id":3,"s":"x","n":null,"b":true,"e":null}',
      '{"id":4,"s":"","n":5,"b":null,"e":null}',
    ),
  },
  ints: {
    file: 'ints.csv',
    rows: 3,
    types: [['id', 'int64'], ['big', 'int64'], ['small', 'int64'], ['neg', 'int64'], ['beyond53', 'int64'], ['long_id', 'utf8'], ['zip', 'utf8']],
    csv:
      'id,big,small,neg,beyond53,long_id,zip\n' +
      '1,9223372036854775807,0,-1,9007199254740993,9223372036854775808,00501\n' +
      '2,-9223372036854775808,42,-9223372036854775807,9007199254740992,12345678901234567890123,02134\n' +
      '3,0,-7,0,-9007199254740993,1,90210\n',
    jsonl: lines(
      '{"id":1,"big":9223372036854775807,"small":0,"neg":-1,"beyond53":9007199254740993,"long_id":"9223372036854775808","zip":"00501"}',
      '{"id":2,"big":-9223372036854775808,"small":42,"neg":-9223372036854775807,"beyond53":9007199254740992,"long_id":"12345678901234567890123","zip":"02134"}',
      '{"id":3,"big":0,"small":-7,"neg":0,"beyond53":-9007199254740993,"long_id":"1","zip":"90210"}',
    ),
  },
  floats: {
    file: 'floats.csv',
    rows: 4,
    types: [['id', 'int64'], ['f', 'float64'], ['integral', 'float64'], ['sci', 'float64'], ['special', 'float64']],
    csv:
      'id,f,integral,sci,special\n' +
      '1,1.5,2.0,1e+300,NaN\n' +
      '2,-0.0,3.0,-2.5e-10,Infinity\n' +
      '3,0.1,-4.0,100000.0,-Infinity\n' +
      '4,,0.0,6.02214076e+23,\n',
    // Integral floats keep their ".0" (and -0.0 its sign) so that the JSON reads back as float64;
    // JSON has no NaN/Infinity, so those are strings (read back as float64 too).
    jsonl: lines(
      '{"id":1,"f":1.5,"integral":2.0,"sci":1e+300,"special":"NaN"}',
      '{"id":2,"f":-0.0,"integral":3.0,"sci":-2.5e-10,"special":"Infinity"}',
      '{"id":3,"f":0.1,"integral":-4.0,"sci":100000.0,"special":"-Infinity"}',
      '{"id":4,"f":null,"integral":0.0,"sci":6.02214076e+23,"special":null}',
    ),
  },
  lossy_numbers: {
    file: 'lossy_numbers.csv',
    rows: 2,
    // float64 would round 9007199254740993 and 0.10000000000000000001 and overflow 1e400 to Infinity:
    // a column holding such a value is not numeric, so nothing is ever changed.
    types: [['id', 'int64'], ['mixed', 'utf8'], ['huge', 'utf8'], ['precise', 'utf8']],
    csv: 'id,mixed,huge,precise\n1,9007199254740993,1e400,0.1\n2,1.5,1.0,0.10000000000000000001\n',
    jsonl: lines(
      '{"id":1,"mixed":"9007199254740993","huge":"1e400","precise":"0.1"}',
      '{"id":2,"mixed":"1.5","huge":"1.0","precise":"0.10000000000000000001"}',
    ),
  },
  lossy_numbers_json: {
    // The same rule for JSON numbers: the number literals are kept as written, as text.
    file: 'lossy_numbers.jsonl',
    rows: 2,
    types: [['id', 'int64'], ['mixed', 'utf8'], ['huge', 'utf8'], ['precise', 'utf8']],
    csv: 'id,mixed,huge,precise\n1,9007199254740993,1e400,0.1\n2,1.5,1.0,0.10000000000000000001\n',
    jsonl: lines(
      '{"id":1,"mixed":"9007199254740993","huge":"1e400","precise":"0.1"}',
      '{"id":2,"mixed":"1.5","huge":"1.0","precise":"0.10000000000000000001"}',
    ),
  },
  bools: {
    file: 'bools.csv',
    rows: 3,
    // Only true/false (any case) infer as bool; yes/no/1 stay strings.
    types: [['id', 'int64'], ['flag', 'bool'], ['mixed_case', 'bool'], ['not_bool', 'utf8']],
    csv: 'id,flag,mixed_case,not_bool\n1,true,true,yes\n2,false,false,no\n3,,true,1\n',
    jsonl: lines(
      '{"id":1,"flag":true,"mixed_case":true,"not_bool":"yes"}',
      '{"id":2,"flag":false,"mixed_case":false,"not_bool":"no"}',
      '{"id":3,"flag":null,"mixed_case":true,"not_bool":"1"}',
    ),
  },
  temporal: {
    file: 'temporal.csv',
    rows: 3,
    types: [
      ['id', 'int64'], ['d', 'date32'], ['ts_z', 'timestamp[s, UTC]'], ['ts_off', 'timestamp[s, +05:30]'], ['ts_naive', 'timestamp[s]'],
      ['ts_ms', 'timestamp[ms, UTC]'], ['ts_us', 'timestamp[us]'], ['ts_ns', 'timestamp[ns, UTC]'], ['ts_mixed', 'timestamp[s, UTC]'],
    ],
    // Fixed offsets are shown in local time with the offset; mixed offsets are normalised to UTC.
    csv:
      'id,d,ts_z,ts_off,ts_naive,ts_ms,ts_us,ts_ns,ts_mixed\n' +
      '1,2024-02-29,2024-01-15T10:30:00Z,2024-01-15T10:30:00+05:30,2024-01-15T10:30:00,2024-01-15T10:30:00.123Z,2024-01-15T10:30:00.123456,2024-01-15T10:30:00.123456789Z,2023-12-31T23:00:00Z\n' +
      '2,1970-01-01,1969-12-31T23:59:59Z,2024-06-01T00:00:00+05:30,1900-01-01T00:00:00,2024-01-15T10:30:00.500Z,2024-01-15T10:30:00.000001,1970-01-01T00:00:00.000000001Z,2024-01-01T00:00:00Z\n' +
      '3,,,,,,,,2024-01-01T08:00:00Z\n',
    jsonl: lines(
      '{"id":1,"d":"2024-02-29","ts_z":"2024-01-15T10:30:00Z","ts_off":"2024-01-15T10:30:00+05:30","ts_naive":"2024-01-15T10:30:00","ts_ms":"2024-01-15T10:30:00.123Z","ts_us":"2024-01-15T10:30:00.123456","ts_ns":"2024-01-15T10:30:00.123456789Z","ts_mixed":"2023-12-31T23:00:00Z"}',
      '{"id":2,"d":"1970-01-01","ts_z":"1969-12-31T23:59:59Z","ts_off":"2024-06-01T00:00:00+05:30","ts_naive":"1900-01-01T00:00:00","ts_ms":"2024-01-15T10:30:00.500Z","ts_us":"2024-01-15T10:30:00.000001","ts_ns":"1970-01-01T00:00:00.000000001Z","ts_mixed":"2024-01-01T00:00:00Z"}',
      '{"id":3,"d":null,"ts_z":null,"ts_off":null,"ts_naive":null,"ts_ms":null,"ts_us":null,"ts_ns":null,"ts_mixed":"2024-01-01T08:00:00Z"}',
    ),
  },
  timestamp_range: {
    file: 'timestamp_range.csv',
    rows: 2,
    // Nanosecond timestamps cover 1677-09-21..2262-04-11 (int64): the exact extremes are timestamps, a column
    // with a value beyond them stays text (it would otherwise wrap around); microseconds reach year 1..9999.
    types: [['id', 'int64'], ['ns_far', 'utf8'], ['ns_ok', 'timestamp[ns, UTC]'], ['us_far', 'timestamp[us, UTC]']],
    csv:
      'id,ns_far,ns_ok,us_far\n' +
      '1,9999-12-31T23:59:59.123456789Z,2262-04-11T23:47:16.854775807Z,9999-12-31T23:59:59.999999Z\n' +
      '2,1500-01-01T00:00:00.000000001Z,1677-09-21T00:12:43.145224192Z,0001-01-01T00:00:00.000001Z\n',
    jsonl: lines(
      '{"id":1,"ns_far":"9999-12-31T23:59:59.123456789Z","ns_ok":"2262-04-11T23:47:16.854775807Z","us_far":"9999-12-31T23:59:59.999999Z"}',
      '{"id":2,"ns_far":"1500-01-01T00:00:00.000000001Z","ns_ok":"1677-09-21T00:12:43.145224192Z","us_far":"0001-01-01T00:00:00.000001Z"}',
    ),
  },
  names: {
    file: 'names.csv',
    rows: 2,
    types: [['unit price ($)', 'float64'], ['naïve', 'utf8'], ['a,b', 'int64'], ['say "hi"', 'utf8'], ['% change', 'float64'], ['列', 'utf8']],
    csv: 'unit price ($),naïve,"a,b","say ""hi""",% change,列\n9.99,café,1,x,-0.5,東\n0.5,,2,y,12.25,西\n',
    jsonl: lines(
      String.raw`{"unit price ($)":9.99,"naïve":"café","a,b":1,"say \"hi\"":"x","% change":-0.5,"列":"東"}`,
      String.raw`{"unit price ($)":0.5,"naïve":null,"a,b":2,"say \"hi\"":"y","% change":12.25,"列":"西"}`,
    ),
  },
  tsv: {
    file: 'data.tsv',
    rows: 3,
    types: [['id', 'int64'], ['name', 'utf8'], ['amount', 'float64'], ['note', 'utf8']],
    // The file has no final newline and ends with two empty (null) fields.
    tsv: 'id\tname\tamount\tnote\n1\tAlice, Smith\t10.5\tplain\n2\t"Bob\tTab"\t-3.25\t"quoted ""x"""\n3\tCarol\t\t\n',
    csv: 'id,name,amount,note\n1,"Alice, Smith",10.5,plain\n2,Bob\tTab,-3.25,"quoted ""x"""\n3,Carol,,\n',
    jsonl: lines(
      String.raw`{"id":1,"name":"Alice, Smith","amount":10.5,"note":"plain"}`,
      String.raw`{"id":2,"name":"Bob\tTab","amount":-3.25,"note":"quoted \"x\""}`,
      String.raw`{"id":3,"name":"Carol","amount":null,"note":null}`,
    ),
  },
  jsonl: {
    file: 'records.jsonl',
    rows: 3,
    // JSON numbers beyond 2^53 stay exact; "00501" stays a string; nested values become canonical JSON text
    // (keys sorted, number literals as written); a key missing from a record is null; columns in first-seen order.
    types: [['id', 'int64'], ['name', 'utf8'], ['big', 'int64'], ['zip', 'utf8'], ['score', 'float64'], ['ok', 'bool'], ['meta', 'utf8'], ['when', 'timestamp[s, UTC]'], ['extra', 'utf8']],
    jsonl: lines(
      String.raw`{"id":1,"name":"Aé\"b\"\n😀","big":9007199254740993,"zip":"00501","score":1.5,"ok":true,"meta":"{\"a\":[1,2.50,{\"z\":null}],\"b\":1}","when":"2024-01-15T10:30:00Z","extra":null}`,
      String.raw`{"id":2,"name":"","big":-9223372036854775808,"zip":"02134","score":2.0,"ok":false,"meta":null,"when":"2024-01-16T00:00:00Z","extra":null}`,
      String.raw`{"id":3,"name":null,"big":9223372036854775807,"zip":null,"score":null,"ok":null,"meta":"[]","when":null,"extra":"only here"}`,
    ),
    csv:
      'id,name,big,zip,score,ok,meta,when,extra\n' +
      '1,"Aé""b""\n😀",9007199254740993,00501,1.5,true,"{""a"":[1,2.50,{""z"":null}],""b"":1}",2024-01-15T10:30:00Z,\n' +
      '2,"",-9223372036854775808,02134,2.0,false,,2024-01-16T00:00:00Z,\n' +
      '3,,9223372036854775807,,,,[],,only here\n',
  },
  unsorted_keyed: {
    file: 'unsorted_keyed.csv',
    args: ['--key', 'id'],
    rows: 5,
    types: [['id', 'int64'], ['name', 'utf8'], ['score', 'float64']],
    // Stored (and exported) in key order, numerically.
    csv: 'id,name,score\n-5,neg,0.5\n10,a,1.0\n20,b,2.0\n30,c,3.5\n100,z,\n',
    jsonl: lines(
      '{"id":-5,"name":"neg","score":0.5}',
      '{"id":10,"name":"a","score":1.0}',
      '{"id":20,"name":"b","score":2.0}',
      '{"id":30,"name":"c","score":3.5}',
      '{"id":100,"name":"z","score":null}',
    ),
  },
  composite_key: {
    file: 'composite_key.csv',
    args: ['--key', 'region,id'],
    rows: 4,
    types: [['region', 'utf8'], ['id', 'int64'], ['value', 'utf8']],
    csv: 'region,id,value\neast,9,d\neast,10,c\nwest,1,a\nwest,2,b\n',
    jsonl: lines('{"region":"east","id":9,"value":"d"}', '{"region":"east","id":10,"value":"c"}', '{"region":"west","id":1,"value":"a"}', '{"region":"west","id":2,"value":"b"}'),
  },
  header_only: {
    file: 'header_only.csv',
    rows: 0,
    // A header without rows is a valid empty table; its columns have no values to infer from: utf8.
    types: [['id', 'utf8'], ['name', 'utf8'], ['amount', 'utf8']],
    csv: 'id,name,amount\n',
    tsv: 'id\tname\tamount\n',
    jsonl: '',
    // JSON Lines / JSON carry no column names without rows: an empty export cannot recreate the columns.
    noReimport: ['jsonl', 'json'],
    why: 'no rows, so no column names',
  },
};

/** The JSON Lines file the "other" branch imports over the same table name. */
const OTHER_CSV = 'x,y\n1,other\n';
const OTHER_JSONL = '{"x":1,"y":"other"}\n';

/**
 * The full scenario for one fixture: import, commit, a second branch with
 * different content, back to main, export in every format, check exact
 * text, re-import every export and compare content hashes.
 */
async function roundTrip(name: string, c: Case, file = fixture('tables', c.file)): Promise<void> {
  const dir = newRepo();
  const out = tempDir('fv-out-');
  const t = name;
  await okAsync(dir, ['import', file, '--table', t, ...(c.args ?? [])]);
  await okAsync(dir, ['commit', '-m', `import ${name}`]);
  const orig = await showAsync(dir, `HEAD:${t}`);
  expect(types(orig)).toEqual(c.types);
  expect(orig.rows).toBe(c.rows);

  // A second line of history with other content under the same table name.
  await okAsync(dir, ['checkout', '-b', 'other']);
  await okAsync(dir, ['import', writeFile(out, 'other.csv', OTHER_CSV), '--table', t, '--key', 'x']);
  await okAsync(dir, ['commit', '-m', 'other content']);
  // --at reads main's version while the work tree is on "other", and the other way round.
  const [atMain, onOther] = await Promise.all([okAsync(dir, ['export', t, '--at', 'main', '--format', 'jsonl']), okAsync(dir, ['export', t, '--format', 'jsonl'])]);
  expect(atMain).toBe(c.jsonl);
  expect(onOther).toBe(OTHER_JSONL);
  await okAsync(dir, ['checkout', 'main']);

  const exports = FORMATS.map((fmt) => okAsync(dir, ['export', t, '--format', fmt, '-o', path.join(out, `${t}.${fmt}`)]));
  const [stdout, atOther] = await Promise.all([okAsync(dir, ['export', t]), okAsync(dir, ['export', t, '--at', 'other', '--format', 'jsonl']), ...exports]);
  expect(atOther).toBe(OTHER_JSONL);
  const read = (fmt: Formats): string => fs.readFileSync(path.join(out, `${t}.${fmt}`), 'utf8');
  expect(read('jsonl')).toBe(c.jsonl);
  expect(read('json')).toBe(jsonArray(c.jsonl));
  // stdout defaults to CSV
  expect(stdout).toBe(read('csv'));
  if (c.csv !== undefined) expect(read('csv')).toBe(c.csv);
  if (c.tsv !== undefined) expect(read('tsv')).toBe(c.tsv);

  const reimported: Formats[] = [];
  for (const fmt of FORMATS) {
    if (c.noReimport?.includes(fmt)) continue;
    await okAsync(dir, ['import', path.join(out, `${t}.${fmt}`), '--table', `rt_${fmt}`, ...(c.args ?? [])]);
    reimported.push(fmt);
  }
  const shown = await Promise.all(reimported.map((fmt) => showAsync(dir, `:rt_${fmt}`)));
  reimported.forEach((fmt, i) => {
    const back = shown[i]!;
    expect(types(back), `${name} via ${fmt}`).toEqual(c.types);
    expect(back.rows, `${name} via ${fmt}`).toBe(c.rows);
    expect(back.content_hash, `${name} via ${fmt}: same values and types`).toBe(orig.content_hash);
  });
  await okAsync(dir, ['commit', '-m', 'round trips']);
  expectGitClean(dir);
}

// Each scenario runs some 30 fv processes: allow for a busy machine.
describe('import and export of every fixture, through a branch and back', { timeout: 240_000 }, () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name} (${c.file})`, () => roundTrip(name, c));
  }

  it('the JSON array file holds the same table as the JSON Lines file', async () => {
    await roundTrip('json', { ...CASES.jsonl!, file: 'records.json' });
    const dir = newRepo();
    ok(dir, ['import', fixture('tables', 'records.jsonl'), '--table', 'a']);
    ok(dir, ['import', fixture('tables', 'records.json'), '--table', 'b']);
    expect(show(dir, ':a').content_hash).toBe(show(dir, ':b').content_hash);
  });
});

describe('JSON text', () => {
  it('string escapes decode exactly; a lone surrogate inside nested JSON stays escaped text', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    const f = writeFile(src, 'e.jsonl', String.raw`{"a": "\u00e9\t\u0000\ud83d\ude00", "n": {"k": "\udc00", "e": "\/"}}` + '\n');
    ok(dir, ['import', f, '--table', 'e']);
    expect(types(show(dir, ':e'))).toEqual([['a', 'utf8'], ['n', 'utf8']]);
    expect(ok(dir, ['export', 'e', '--format', 'jsonl'])).toBe(String.raw`{"a":"é\t\u0000😀","n":"{\"e\":\"/\",\"k\":\"\\udc00\"}"}` + '\n');
    ok(dir, ['commit', '-m', 'escapes']);
    expectGitClean(dir);
  });
});

describe('output file names', () => {
  it('export picks the format from the -o extension (csv, tsv, jsonl, ndjson, json, arrow, feather, parquet)', () => {
    const dir = newRepo();
    const out = tempDir('fv-out-');
    ok(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'n']);
    const c = CASES.nulls!;
    const want: Record<string, string | null> = {
      'n.csv': c.csv!, 'n.tsv': c.csv!.replaceAll(',', '\t'), 'n.jsonl': c.jsonl, 'n.ndjson': c.jsonl, 'n.json': jsonArray(c.jsonl),
      'n.arrow': null, 'n.feather': null, 'n.parquet': null,
    };
    for (const [name, text] of Object.entries(want)) {
      const p = path.join(out, name);
      ok(dir, ['export', 'n', '-o', p]);
      if (text !== null) expect(fs.readFileSync(p, 'utf8'), name).toBe(text);
      else {
        // Binary formats: re-importing gives the same table back.
        ok(dir, ['import', p, '--table', `b_${name.replace('.', '_')}`]);
        expect(show(dir, `:b_${name.replace('.', '_')}`).content_hash, name).toBe(show(dir, ':n').content_hash);
      }
    }
    // A name with no known extension is CSV.
    ok(dir, ['export', 'n', '-o', path.join(out, 'n.out')]);
    expect(fs.readFileSync(path.join(out, 'n.out'), 'utf8')).toBe(c.csv);
  });
});

// ---------------------------------------------------------------------------
// Arrow and Parquet files written by another implementation: apache-arrow's
// own builders and IPC writer (not fv's canonical chunk writer), and the
// parquet-wasm (Rust parquet) writer.

function vector(type: arrow.DataType, values: unknown[]): arrow.Vector {
  const b = arrow.makeBuilder({ type, nullValues: [null] });
  for (const v of values) b.append(v);
  return b.finish().toVector();
}

const DAY_MS = 86400000;

function foreignArrowTable(): arrow.Table {
  return new arrow.Table({
    id: vector(new arrow.Int64(), [3n, -9223372036854775808n, 9223372036854775807n, null, 9007199254740993n]),
    ts: vector(new arrow.TimestampMillisecond('UTC'), [1705314600123, 0, null, -1, 1]),
    color: vector(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), ['red', 'green', 'red', null, 'blue']),
    i32: vector(new arrow.Int32(), [1, -2147483648, 2147483647, null, 0]),
    flag: vector(new arrow.Bool(), [true, false, null, true, false]),
    day: vector(new arrow.DateDay(), [new Date(Date.UTC(2024, 1, 29)), new Date(0), null, new Date(-DAY_MS), new Date(Date.UTC(2000, 0, 1))]),
    bin: vector(new arrow.Binary(), [Uint8Array.of(0, 1, 255), new Uint8Array(0), null, Uint8Array.of(104, 105), Uint8Array.of(0)]),
    f64: vector(new arrow.Float64(), [1.5, -0, null, 1e300, 2]),
    s: vector(new arrow.Utf8(), ['', null, 'naïve 😀', '00501', 'a,b']),
  });
}

const FOREIGN_TYPES: [string, string][] = [
  ['id', 'int64'], ['ts', 'timestamp[ms, UTC]'], ['color', 'utf8'], ['i32', 'int32'], ['flag', 'bool'],
  ['day', 'date32'], ['bin', 'binary'], ['f64', 'float64'], ['s', 'utf8'],
];

const FOREIGN_JSONL = lines(
  '{"id":3,"ts":"2024-01-15T10:30:00.123Z","color":"red","i32":1,"flag":true,"day":"2024-02-29","bin":"AAH/","f64":1.5,"s":""}',
  '{"id":-9223372036854775808,"ts":"1970-01-01T00:00:00.000Z","color":"green","i32":-2147483648,"flag":false,"day":"1970-01-01","bin":"","f64":-0.0,"s":null}',
  '{"id":9223372036854775807,"ts":null,"color":"red","i32":2147483647,"flag":null,"day":null,"bin":null,"f64":null,"s":"naïve 😀"}',
  '{"id":null,"ts":"1969-12-31T23:59:59.999Z","color":null,"i32":null,"flag":true,"day":"1969-12-31","bin":"aGk=","f64":1e+300,"s":"00501"}',
  '{"id":9007199254740993,"ts":"1970-01-01T00:00:00.001Z","color":"blue","i32":0,"flag":false,"day":"2000-01-01","bin":"AA==","f64":2.0,"s":"a,b"}',
);

const FOREIGN_CSV =
  'id,ts,color,i32,flag,day,bin,f64,s\n' +
  '3,2024-01-15T10:30:00.123Z,red,1,true,2024-02-29,AAH/,1.5,""\n' +
  '-9223372036854775808,1970-01-01T00:00:00.000Z,green,-2147483648,false,1970-01-01,"",-0.0,\n' +
  '9223372036854775807,,red,2147483647,,,,,naïve 😀\n' +
  ',1969-12-31T23:59:59.999Z,,,true,1969-12-31,aGk=,1e+300,00501\n' +
  '9007199254740993,1970-01-01T00:00:00.001Z,blue,0,false,2000-01-01,AA==,2.0,"a,b"\n';

/** A --schema file stating the original types, for text re-imports of types that text cannot carry. */
function schemaFile(dir: string, ts: [string, string][]): string {
  return writeFile(dir, 'schema.json', JSON.stringify({ fields: ts.map(([name, type]) => ({ name, type })) }));
}

async function foreignRoundTrip(file: string): Promise<void> {
  const dir = newRepo();
  const out = tempDir('fv-out-');
  await okAsync(dir, ['import', file, '--table', 'f']);
  await okAsync(dir, ['commit', '-m', 'foreign file']);
  const orig = await showAsync(dir, 'HEAD:f');
  expect(types(orig)).toEqual(FOREIGN_TYPES);
  expect(orig.rows).toBe(5);
  expect(orig.columns.map((c) => c.nulls)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  await okAsync(dir, ['checkout', '-b', 'other']);
  await okAsync(dir, ['import', writeFile(out, 'other.csv', OTHER_CSV), '--table', 'f', '--key', 'x']);
  await okAsync(dir, ['commit', '-m', 'other']);
  await okAsync(dir, ['checkout', 'main']);
  const paths = FORMATS.map((fmt) => path.join(out, `f.${fmt}`));
  const [jsonl, csv] = await Promise.all([
    okAsync(dir, ['export', 'f', '--format', 'jsonl']),
    okAsync(dir, ['export', 'f', '--format', 'csv']),
    ...FORMATS.map((fmt, i) => okAsync(dir, ['export', 'f', '--format', fmt, '-o', paths[i]!])),
  ]);
  expect(jsonl).toBe(FOREIGN_JSONL);
  expect(csv).toBe(FOREIGN_CSV);
  const schema = schemaFile(out, FOREIGN_TYPES);
  // int32 and binary cannot be told apart from int64 and text in CSV/TSV/JSON (binary is base64 there):
  // the text formats are re-imported with the original types stated, which checks every value exactly.
  for (const [i, fmt] of FORMATS.entries()) {
    const text = fmt !== 'arrow' && fmt !== 'parquet';
    await okAsync(dir, ['import', paths[i]!, '--table', `rt_${fmt}`, ...(text ? ['--schema', schema] : [])]);
  }
  const shown = await Promise.all(FORMATS.map((fmt) => showAsync(dir, `:rt_${fmt}`)));
  FORMATS.forEach((fmt, i) => expect(shown[i]!.content_hash, `via ${fmt}`).toBe(orig.content_hash));
  await okAsync(dir, ['commit', '-m', 'round trips']);
  expectGitClean(dir);
}

describe('Arrow and Parquet files from other writers', { timeout: 240_000 }, () => {
  it('an Arrow IPC file built with apache-arrow builders (int64, timestamp[ms, UTC], dictionary strings, nulls)', async () => {
    const out = tempDir('fv-arrow-');
    const file = writeFile(out, 'foreign.arrow', Buffer.from(arrow.tableToIPC(foreignArrowTable(), 'file')));
    await foreignRoundTrip(file);
  });

  it('an Arrow IPC stream (.arrows) holds the same table as the file', () => {
    const out = tempDir('fv-arrow-');
    const a = writeFile(out, 'foreign.arrow', Buffer.from(arrow.tableToIPC(foreignArrowTable(), 'file')));
    const s = writeFile(out, 'foreign.arrows', Buffer.from(arrow.tableToIPC(foreignArrowTable(), 'stream')));
    const dir = newRepo();
    ok(dir, ['import', a, '--table', 'a']);
    ok(dir, ['import', s, '--table', 's']);
    expect(types(show(dir, ':s'))).toEqual(FOREIGN_TYPES);
    expect(show(dir, ':s').content_hash).toBe(show(dir, ':a').content_hash);
    expect(ok(dir, ['export', 's', '--format', 'jsonl'])).toBe(FOREIGN_JSONL);
  });

  it('a Parquet file written by parquet-wasm', async () => {
    const out = tempDir('fv-parquet-');
    const ipc = arrow.tableToIPC(foreignArrowTable(), 'stream');
    const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(ipc));
    const file = writeFile(out, 'foreign.parquet', Buffer.from(bytes));
    await foreignRoundTrip(file);
  });

  it("fv's Arrow and Parquet exports are readable by apache-arrow and parquet-wasm with the exact values", () => {
    const dir = newRepo();
    const out = tempDir('fv-out-');
    ok(dir, ['import', fixture('tables', 'ints.csv'), '--table', 'ints', '--key', 'id']);
    ok(dir, ['export', 'ints', '-o', path.join(out, 'ints.arrow')]);
    ok(dir, ['export', 'ints', '-o', path.join(out, 'ints.parquet')]);
    const a = arrow.tableFromIPC(fs.readFileSync(path.join(out, 'ints.arrow')));
    const p = arrow.tableFromIPC(parquet.readParquet(fs.readFileSync(path.join(out, 'ints.parquet'))).intoIPCStream());
    for (const t of [a, p]) {
      expect(t.numRows).toBe(3);
      expect(t.getChild('big')!.toArray()).toEqual(BigInt64Array.of(9223372036854775807n, -9223372036854775808n, 0n));
      expect(t.getChild('beyond53')!.get(0)).toBe(9007199254740993n);
      expect(t.getChild('zip')!.get(0)).toBe('00501');
      expect(t.getChild('long_id')!.get(1)).toBe('12345678901234567890123');
    }
  });
});

// ---------------------------------------------------------------------------
// Import modes, explicit types, stdin, keys.

describe('import modes', () => {
  it('--mode append adds rows (keyed: in key order; a key already present is refused)', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    ok(dir, ['import', fixture('tables', 'unsorted_keyed.csv'), '--table', 't', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    ok(dir, ['import', writeFile(src, 'more.csv', 'id,name,score\n15,m,\n-10,n,7.25\n'), '--table', 't', '--mode', 'append']);
    expect(ok(dir, ['export', 't'])).toBe('id,name,score\n-10,n,7.25\n-5,neg,0.5\n10,a,1.0\n15,m,\n20,b,2.0\n30,c,3.5\n100,z,\n');
    const before = treeState(dir);
    fails(dir, ['import', writeFile(src, 'dup.csv', 'id,name,score\n16,q,1.0\n20,again,2.5\n'), '--table', 't', '--mode', 'append'], /duplicate key \(20\)/);
    expect(treeState(dir)).toEqual(before);
    ok(dir, ['commit', '-m', 'append']);
    expect(show(dir, 'HEAD:t').rows).toBe(7);
    expectGitClean(dir);
  });

  it('--mode append to an unkeyed table keeps the old rows first, then the new ones', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    ok(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'n']);
    ok(dir, ['commit', '-m', 'base']);
    // The file's all-empty column and its int column are read under the table's schema.
    ok(dir, ['import', writeFile(src, 'more.csv', 'id,s,n,b,e\n1,,,,\n9,z,-1,true,\n'), '--table', 'n', '--mode', 'append']);
    expect(ok(dir, ['export', 'n'])).toBe('id,s,n,b,e\n1,,,,\n2,"",0,false,\n3,x,,true,\n4,"",5,,\n1,,,,\n9,z,-1,true,\n');
    ok(dir, ['commit', '-m', 'append']);
    expectGitClean(dir);
  });

  it('--mode append with different columns is refused and changes nothing', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    ok(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'n']);
    ok(dir, ['commit', '-m', 'base']);
    const before = treeState(dir);
    fails(dir, ['import', writeFile(src, 'other.csv', 'id,zzz\n1,2\n'), '--table', 'n', '--mode', 'append'], /columns do not match the schema|columns do not match table n/);
    expect(treeState(dir)).toEqual(before);
    expectGitClean(dir);
  });

  it('--mode upsert replaces rows with known keys and adds the others', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    ok(dir, ['import', fixture('tables', 'composite_key.csv'), '--table', 'c', '--key', 'region,id']);
    ok(dir, ['commit', '-m', 'base']);
    // (west, 1) changes, (east, 11) is new, (east, 1) is new (same id, other region).
    ok(dir, ['import', writeFile(src, 'up.csv', 'region,id,value\nwest,1,A\neast,11,new\neast,1,""\n'), '--table', 'c', '--mode', 'upsert']);
    expect(ok(dir, ['export', 'c'])).toBe('region,id,value\neast,1,""\neast,9,d\neast,10,c\neast,11,new\nwest,1,A\nwest,2,b\n');
    const st = JSON.parse(ok(dir, ['status', '--json'])) as { tables: Record<string, { added: number; removed: number; modified: number; rows: number }> };
    expect(st.tables.c).toMatchObject({ added: 2, removed: 0, modified: 1, rows: 6 });
    ok(dir, ['commit', '-m', 'upsert']);
    expect(show(dir, 'HEAD:c').key).toEqual(['region', 'id']);
    expectGitClean(dir);
  });

  it('--mode upsert on an unkeyed table, or with a duplicate key in the file, is refused', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    ok(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'n']);
    ok(dir, ['import', fixture('tables', 'unsorted_keyed.csv'), '--table', 'k', '--key', 'id']);
    ok(dir, ['commit', '-m', 'base']);
    const before = treeState(dir);
    fails(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'n', '--mode', 'upsert'], /upsert needs/);
    const dup = writeFile(src, 'dup.csv', 'id,name,score\n10,x,1.0\n11,y,2.0\n10,z,3.0\n');
    fails(dir, ['import', dup, '--table', 'k', '--mode', 'upsert'], /dup\.csv:4.*dup\.csv:2|duplicate key \(10\)/);
    expect(treeState(dir)).toEqual(before);
    expectGitClean(dir);
  });

  it('--mode replace (the default) swaps the whole table, schema included', () => {
    const dir = newRepo();
    ok(dir, ['import', fixture('tables', 'ints.csv'), '--table', 't']);
    ok(dir, ['commit', '-m', 'one']);
    ok(dir, ['import', fixture('tables', 'bools.csv'), '--table', 't', '--mode', 'replace']);
    expect(types(show(dir, ':t'))).toEqual(CASES.bools!.types);
    ok(dir, ['commit', '-m', 'two']);
    expect(ok(dir, ['export', 't', '--at', 'HEAD~1', '--format', 'jsonl'])).toBe(CASES.ints!.jsonl);
    expect(ok(dir, ['export', 't', '--format', 'jsonl'])).toBe(CASES.bools!.jsonl);
    expectGitClean(dir);
  });
});

describe('explicit types', () => {
  it('--types fixes some columns (zip as int64 drops its zeros; decimals keep their scale; timestamps take a unit and zone)', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    const f = writeFile(src, 'typed.csv', 'id,zip,price,at,n\n1,00501,10.5,2024-01-15T10:30:00Z,7\n2,02134,-0.25,2024-01-15,\n');
    ok(dir, ['import', f, '--table', 't', '--types', 'zip:int64,price:decimal(10, 2),at:timestamp[ms, UTC],n:int32']);
    const t = show(dir, ':t');
    expect(types(t)).toEqual([['id', 'int64'], ['zip', 'int64'], ['price', 'decimal(10, 2)'], ['at', 'timestamp[ms, UTC]'], ['n', 'int32']]);
    expect(ok(dir, ['export', 't'])).toBe('id,zip,price,at,n\n1,501,10.50,2024-01-15T10:30:00.000Z,7\n2,2134,-0.25,2024-01-15T00:00:00.000Z,\n');
    // Decimals are exact JSON number literals.
    expect(ok(dir, ['export', 't', '--format', 'jsonl'])).toBe(lines(
      '{"id":1,"zip":501,"price":10.50,"at":"2024-01-15T10:30:00.000Z","n":7}',
      '{"id":2,"zip":2134,"price":-0.25,"at":"2024-01-15T00:00:00.000Z","n":null}',
    ));
    // Decimal and int32 cannot be recognised in text: re-import with the same --types and compare.
    const out = tempDir('fv-out-');
    for (const fmt of FORMATS) {
      const p = path.join(out, `t.${fmt}`);
      ok(dir, ['export', 't', '-o', p]);
      const text = fmt !== 'arrow' && fmt !== 'parquet';
      ok(dir, ['import', p, '--table', `rt_${fmt}`, ...(text ? ['--types', 'price:decimal(10,2),n:int32'] : [])]);
      expect(show(dir, `:rt_${fmt}`).content_hash, fmt).toBe(t.content_hash);
    }
    ok(dir, ['commit', '-m', 'typed']);
    expectGitClean(dir);
  });

  it('--types with aliases (int, string, date) and a type for JSON input', () => {
    const dir = newRepo();
    ok(dir, ['import', fixture('tables', 'records.jsonl'), '--table', 'r', '--types', 'id:int,zip:string,score:float32']);
    expect(types(show(dir, ':r')).slice(0, 5)).toEqual([['id', 'int64'], ['name', 'utf8'], ['big', 'int64'], ['zip', 'utf8'], ['score', 'float32']]);
    ok(dir, ['import', fixture('tables', 'ints.csv'), '--table', 'z', '--types', 'zip:string,small:int8']);
    expect(types(show(dir, ':z'))).toEqual([['id', 'int64'], ['big', 'int64'], ['small', 'int8'], ['neg', 'int64'], ['beyond53', 'int64'], ['long_id', 'utf8'], ['zip', 'utf8']]);
    ok(dir, ['commit', '-m', 'aliases']);
    expectGitClean(dir);
  });

  it('--schema fixes every column, in both accepted shapes', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    const a = writeFile(src, 'a.json', JSON.stringify({ fields: [{ name: 'id', type: 'int32' }, { name: 's', type: 'utf8' }, { name: 'n', type: 'float64' }, { name: 'b', type: 'utf8' }, { name: 'e', type: 'bool' }] }));
    const b = writeFile(src, 'b.json', JSON.stringify({ id: 'int32', s: 'string', n: 'double', b: 'text', e: 'boolean' }));
    ok(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'a', '--schema', a]);
    ok(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'b', '--schema', b]);
    const ta = show(dir, ':a');
    expect(types(ta)).toEqual([['id', 'int32'], ['s', 'utf8'], ['n', 'float64'], ['b', 'utf8'], ['e', 'bool']]);
    expect(show(dir, ':b').content_hash).toBe(ta.content_hash);
    expect(ok(dir, ['export', 'a'])).toBe('id,s,n,b,e\n1,,,,\n2,"",0.0,false,\n3,x,,true,\n4,"",5.0,,\n');
    // A schema that does not list exactly the file's columns is refused.
    const before = treeState(dir);
    fails(dir, ['import', fixture('tables', 'nulls.csv'), '--table', 'c', '--schema', writeFile(src, 'c.json', '{"id": "int64", "s": "utf8"}')], /nulls\.csv: columns do not match the schema; not in the schema: n, b, e/);
    expect(treeState(dir)).toEqual(before);
    ok(dir, ['commit', '-m', 'schemas']);
    expectGitClean(dir);
  });
});

describe('stdin', () => {
  it('import - reads stdin (CSV by default, or --format)', () => {
    const dir = newRepo();
    ok(dir, ['import', '-', '--table', 'c', '--format', 'csv'], { input: fs.readFileSync(fixture('tables', 'quoting.csv')) });
    expect(ok(dir, ['export', 'c'])).toBe(CASES.quoting!.csv);
    ok(dir, ['import', '-', '--table', 'd'], { input: fs.readFileSync(fixture('tables', 'crlf_bom.csv')) });
    expect(ok(dir, ['export', 'd', '--format', 'jsonl'])).toBe(CASES.crlf_bom!.jsonl);
    ok(dir, ['import', '-', '--table', 'j', '--format', 'jsonl'], { input: fs.readFileSync(fixture('tables', 'records.jsonl')) });
    expect(ok(dir, ['export', 'j', '--format', 'jsonl'])).toBe(CASES.jsonl!.jsonl);
    ok(dir, ['import', '-', '--table', 't', '--format', 'tsv', '--key', 'id'], { input: fs.readFileSync(fixture('tables', 'data.tsv')) });
    expect(ok(dir, ['export', 't', '--format', 'tsv'])).toBe(CASES.tsv!.tsv);
    ok(dir, ['import', '-', '--table', 'a', '--format', 'arrow'], { input: Buffer.from(arrow.tableToIPC(foreignArrowTable(), 'stream')) });
    expect(ok(dir, ['export', 'a', '--format', 'jsonl'])).toBe(FOREIGN_JSONL);
    ok(dir, ['commit', '-m', 'stdin']);
    expectGitClean(dir);
  });

  it('errors in stdin input are reported as <stdin>:line', () => {
    const dir = newRepo();
    const before = treeState(dir);
    fails(dir, ['import', '-', '--table', 'c'], /<stdin>:3: expected 2 fields, found 3/, { input: 'a,b\n1,2\n3,4,5\n' });
    fails(dir, ['import', '-', '--table', 'c', '--types', 'b:int64'], /<stdin>:2: column "b": cannot parse "x" as int64/, { input: 'a,b\n1,x\n' });
    expect(treeState(dir)).toEqual(before);
  });
});

describe('keys', () => {
  it('a two-column key: rows sorted by both, duplicates of the pair refused, one column alone may repeat', () => {
    const dir = newRepo();
    const src = tempDir('fv-src-');
    const f = writeFile(src, 'k.csv', 'a,b,v\n2,x,1\n1,y,2\n1,x,3\n2,a,4\n');
    ok(dir, ['import', f, '--table', 'k', '--key', 'a,b']);
    expect(ok(dir, ['export', 'k'])).toBe('a,b,v\n1,x,3\n1,y,2\n2,a,4\n2,x,1\n');
    expect(show(dir, ':k').key).toEqual(['a', 'b']);
    const before = treeState(dir);
    fails(dir, ['import', writeFile(src, 'd.csv', 'a,b,v\n1,x,1\n1,y,2\n1,x,3\n'), '--table', 'k2', '--key', 'a,b'], /error: duplicate key \(1,x\) at .*d\.csv:4, first seen at .*d\.csv:2$/);
    fails(dir, ['import', writeFile(src, 'n.csv', 'a,b,v\n1,,1\n'), '--table', 'k3', '--key', 'a,b'], /error: \S*n\.csv:2: key column "b" is empty$/);
    expect(treeState(dir)).toEqual(before);
    ok(dir, ['commit', '-m', 'keys']);
    expectGitClean(dir);
  });
});
