import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { parseJsonRecords, type JsonCell, type JsonRecord } from '../../../src/table/formats/json-parser.js';

import { chunksOf, fromChunks, raw, split, utf8 } from './byte-input.js';

type Format = 'jsonl' | 'json';
interface Opts {
  batchSize?: number;
  maxDepth?: number;
}

async function batches(format: Format, chunks: Uint8Array[], opts: Opts = {}): Promise<JsonRecord[][]> {
  const out: JsonRecord[][] = [];
  for await (const b of parseJsonRecords(fromChunks(chunks), { format, fileName: `t.${format}`, ...opts })) out.push(b);
  return out;
}

/** Records as plain objects, which keep the key order and compare exactly. */
interface Plain {
  line: number;
  values: [string, JsonCell][];
}
async function records(format: Format, data: Uint8Array | Uint8Array[], opts: Opts = {}): Promise<Plain[]> {
  return (await batches(format, Array.isArray(data) ? data : [data], opts)).flat().map((r) => ({ line: r.line, values: [...r.values] }));
}

async function jsonError(format: Format, data: Uint8Array | Uint8Array[], opts: Opts = {}): Promise<string> {
  try {
    await records(format, data, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(FvError);
    expect((e as FvError).code).toBe('BAD_INPUT');
    return (e as FvError).message;
  }
  throw new Error('expected the parse to fail');
}

describe('parseJsonRecords: values', () => {
  it('keeps every kind of value exactly, numbers as source text', async () => {
    const line =
      '{"s":"héllo 😀 日本","n":null,"t":true,"f":false,"i":12345678901234567890,"neg":-9223372036854775808,' +
      '"d":0.10,"e":-1.5E+3,"z":-0,"o":{"b":[1.50, {"z":1 ,"a":null}] , "a":"x\\u00e9"},"arr":[ ],"eo":{ },"es":""}';
    expect(await records('jsonl', utf8(line + '\n'))).toEqual([
      {
        line: 1,
        values: [
          ['s', 'héllo 😀 日本'],
          ['n', null],
          ['t', true],
          ['f', false],
          ['i', { num: '12345678901234567890' }],
          ['neg', { num: '-9223372036854775808' }],
          ['d', { num: '0.10' }],
          ['e', { num: '-1.5E+3' }],
          ['z', { num: '-0' }],
          ['o', { nested: '{"a":"xé","b":[1.50,{"a":null,"z":1}]}' }],
          ['arr', { nested: '[]' }],
          ['eo', { nested: '{}' }],
          ['es', ''],
        ],
      },
    ]);
  });

  it('decodes escapes, allows lone surrogates and re-escapes nested strings canonically', async () => {
    const line = String.raw`{"k\u0041":"a\nb\t\"q\"\\ \/ \u00e9 \ud83d\ude00","lone":"\uD800","nested":["\uDC00","\u0041","x\"y","\/",{"\u00e9":1,"e":2}]}`;
    expect(await records('jsonl', utf8(line))).toEqual([
      {
        line: 1,
        values: [
          ['kA', 'a\nb\t"q"\\ / é 😀'],
          ['lone', '\uD800'],
          ['nested', { nested: '["\\udc00","A","x\\"y","/",{"e":2,"é":1}]' }],
        ],
      },
    ]);
  });

  it('reads JSON Lines with a BOM, CRLF, blank lines and a last line without newline', async () => {
    const data = utf8('\uFEFF{"a":1}\r\n\r\n   \n{"a":"x"}\r\n\t\n{"b":[1]}');
    expect(await records('jsonl', data)).toEqual([
      { line: 1, values: [['a', { num: '1' }]] },
      { line: 4, values: [['a', 'x']] },
      { line: 6, values: [['b', { nested: '[1]' }]] },
    ]);
  });

  it('reads a pretty-printed JSON array with the line where each object starts', async () => {
    const data = utf8('\uFEFF[\n  {"a": 1, "s": "é"},\n  {\n    "a": 2,\n    "o": {"y": [true, false], "x": "\\"}"}\n  }\n  ,{}\n]\n');
    expect(await records('json', data)).toEqual([
      { line: 2, values: [['a', { num: '1' }], ['s', 'é']] },
      { line: 3, values: [['a', { num: '2' }], ['o', { nested: '{"x":"\\"}","y":[true,false]}' }]] },
      { line: 7, values: [] },
    ]);
  });

  it('accepts an empty array', async () => {
    expect(await records('json', utf8('[]'))).toEqual([]);
    expect(await records('json', utf8(' \n[ \n ] \n'))).toEqual([]);
  });

  const JSONL = utf8('\uFEFF{"a":"日本😀","b":-1.5e3}\r\n\r\n{"c":{"x":[1,"\\u00e9\\""]}}\n{"d":"é"}');
  const JSONL_RECORDS: Plain[] = [
    { line: 1, values: [['a', '日本😀'], ['b', { num: '-1.5e3' }]] },
    { line: 3, values: [['c', { nested: '{"x":[1,"é\\""]}' }]] },
    { line: 4, values: [['d', 'é']] },
  ];
  const JSON_ARR = utf8('\uFEFF[{"a":"日本😀","b":-1.5e3},\r\n{"c":{"x":[1,"\\u00e9\\"]"]}},\n{"d":"é[{"}]');
  const JSON_RECORDS: Plain[] = [
    { line: 1, values: [['a', '日本😀'], ['b', { num: '-1.5e3' }]] },
    { line: 2, values: [['c', { nested: '{"x":[1,"é\\"]"]}' }]] },
    { line: 3, values: [['d', 'é[{']] },
  ];

  it('gives the same result wherever the chunk boundaries fall', async () => {
    for (const [format, data, expected] of [
      ['jsonl', JSONL, JSONL_RECORDS],
      ['json', JSON_ARR, JSON_RECORDS],
    ] as const) {
      expect(await records(format, data)).toEqual(expected);
      expect(await records(format, chunksOf(data, 1))).toEqual(expected);
      for (let i = 0; i <= data.length; i++) {
        expect(await records(format, split(data, i)), `${format} split at ${i}`).toEqual(expected);
      }
      for (let i = 1; i < data.length; i++) {
        for (let j = i + 1; j < data.length; j++) {
          const got = await records(format, split(data, i, j));
          if (JSON.stringify(got) !== JSON.stringify(expected)) expect(got, `${format} split at ${i},${j}`).toEqual(expected);
        }
      }
    }
  });

  it('yields batches of batchSize records', async () => {
    const lines = Array.from({ length: 5 }, (_, k) => `{"k":${k}}`);
    for (const [format, data] of [
      ['jsonl', utf8(lines.join('\n'))],
      ['json', utf8(`[${lines.join(',')}]`)],
    ] as const) {
      for (const chunks of [[data], chunksOf(data, 1)]) {
        const got = await batches(format, chunks, { batchSize: 2 });
        expect(got.map((b) => b.map((r) => (r.values.get('k') as { num: string }).num))).toEqual([['0', '1'], ['2', '3'], ['4']]);
      }
    }
  });

  it('parses many records across chunk sizes', async () => {
    const n = 20000;
    const parts: string[] = [];
    for (let k = 0; k < n; k++) parts.push(`{"id":${k},"name":"ü${k}😀","v":${k % 3 === 0 ? 'null' : `[${k}.50]`}}`);
    const expected: Plain[] = parts.map((_, k) => ({
      line: k + 1,
      values: [
        ['id', { num: String(k) }],
        ['name', `ü${k}😀`],
        ['v', k % 3 === 0 ? null : { nested: `[${k}.50]` }],
      ],
    }));
    const jsonl = utf8(parts.join('\n') + '\n');
    const json = utf8('[' + parts.join(',\n') + ']');
    for (const size of [65536, 997]) {
      const gotL = await batches('jsonl', chunksOf(jsonl, size));
      expect(gotL.slice(0, -1).every((b) => b.length === 8192)).toBe(true);
      expect(gotL.flat().map((r) => ({ line: r.line, values: [...r.values] }))).toEqual(expected);
      const gotJ = await batches('json', chunksOf(json, size));
      expect(gotJ.slice(0, -1).every((b) => b.length === 8192)).toBe(true);
      expect(gotJ.flat().map((r) => ({ line: r.line, values: [...r.values] }))).toEqual(expected);
    }
  });

  it('handles one record spanning many chunks', async () => {
    const big = 'é\\"'.repeat(300_000);
    for (const [format, text] of [
      ['jsonl', `{"a":1}\n{"big":"${big}"}\n`],
      ['json', `[{"a":1},{"big":"${big}"}]`],
    ] as const) {
      const recs = await records(format, chunksOf(utf8(text), 1024));
      expect(recs.length).toBe(2);
      expect(recs[1]!.values[0]![1]).toBe('é"'.repeat(300_000));
    }
  });

  it('sorts the keys of large nested objects and finds duplicates among them', async () => {
    const keys = Array.from({ length: 40 }, (_, k) => `k${String(39 - k).padStart(2, '0')}`);
    const obj = `{${keys.map((k, n) => `"${k}":${n}`).join(',')}}`;
    const sorted = `{${[...keys].sort().map((k) => `"${k}":${keys.indexOf(k)}`).join(',')}}`;
    expect(await records('jsonl', utf8(`{"o":${obj}}`))).toEqual([{ line: 1, values: [['o', { nested: sorted }]] }]);
    expect(await jsonError('jsonl', utf8(`{"o":${obj.slice(0, -1)},"k05":0}}`))).toBe('t.jsonl:1: duplicate key "k05"');
  });

  it('accepts nesting up to maxDepth levels, the record being level 1', async () => {
    const deep = (levels: number): string => '{"a":' + '['.repeat(levels - 1) + ']'.repeat(levels - 1) + '}';
    expect(await records('jsonl', utf8(deep(64)))).toEqual([{ line: 1, values: [['a', { nested: '['.repeat(63) + ']'.repeat(63) }]] }]);
    expect(await records('json', utf8(`[${deep(64)}]`))).toHaveLength(1);
    expect(await records('jsonl', utf8('{"a":{"b":{}}}'), { maxDepth: 3 })).toHaveLength(1);
    expect(await records('json', utf8('[{"a":{"b":{}}}]'), { maxDepth: 3 })).toHaveLength(1);
  });
});

describe('parseJsonRecords: errors', () => {
  it('reports syntax errors with the line', async () => {
    expect(await jsonError('jsonl', utf8('{"a":1}\n{"a" 1}\n'))).toBe("t.jsonl:2: JSON syntax error: expected ':' after an object key, found '1'");
    expect(await jsonError('jsonl', utf8('{"a":1,}'))).toBe("t.jsonl:1: JSON syntax error: expected a string key, found '}'");
    expect(await jsonError('jsonl', utf8('{"a":1} x'))).toBe("t.jsonl:1: JSON syntax error: unexpected 'x' after the object");
    expect(await jsonError('jsonl', utf8('{"a":1}{"b":2}'))).toBe("t.jsonl:1: JSON syntax error: unexpected '{' after the object");
    expect(await jsonError('jsonl', utf8('\n{"a":"x\ty"}'))).toBe('t.jsonl:2: JSON syntax error: unescaped control character U+0009 in string');
    expect(await jsonError('jsonl', utf8('{"a":"\\x"}'))).toBe("t.jsonl:1: JSON syntax error: invalid escape '\\x'");
    expect(await jsonError('jsonl', utf8('{"a":"\\u12"}'))).toBe('t.jsonl:1: JSON syntax error: invalid \\u escape');
    expect(await jsonError('jsonl', utf8('{"a":01}'))).toBe('t.jsonl:1: JSON syntax error: invalid number (leading zero)');
    expect(await jsonError('jsonl', utf8('{"a":1.}'))).toBe('t.jsonl:1: JSON syntax error: invalid number');
    expect(await jsonError('jsonl', utf8('{"a":-}'))).toBe('t.jsonl:1: JSON syntax error: invalid number');
    expect(await jsonError('jsonl', utf8('{"a":1e}'))).toBe('t.jsonl:1: JSON syntax error: invalid number');
    expect(await jsonError('jsonl', utf8('{"a":tru}'))).toBe("t.jsonl:1: JSON syntax error: unexpected 't'");
    expect(await jsonError('jsonl', utf8('{"a":"abc'))).toBe('t.jsonl:1: JSON syntax error: unterminated string');
    expect(await jsonError('jsonl', utf8('{"a":[1,2}'))).toBe("t.jsonl:1: JSON syntax error: expected ',' or ']', found '}'");
    expect(await jsonError('jsonl', utf8('{"a":{"b":1]}'))).toBe("t.jsonl:1: JSON syntax error: expected ',' or '}', found ']'");
    expect(await jsonError('jsonl', utf8('{"a":[1,]}'))).toBe("t.jsonl:1: JSON syntax error: unexpected ']'");
    expect(await jsonError('jsonl', utf8('{"a":1'))).toBe("t.jsonl:1: JSON syntax error: expected ',' or '}' after an object member, found end of input");
    expect(await jsonError('jsonl', utf8('x'))).toBe("t.jsonl:1: JSON syntax error: unexpected 'x'");
  });

  it('reports syntax errors inside a multi-line array element on their own line', async () => {
    expect(await jsonError('json', utf8('[\n{\n"a": 1,\n"b" 2\n}\n]'))).toBe("t.json:4: JSON syntax error: expected ':' after an object key, found '2'");
    expect(await jsonError('json', utf8('[{"a":1} {"a":2}]'))).toBe("t.json:1: JSON syntax error: expected ',' or ']' after an array element, found '{'");
    expect(await jsonError('json', utf8('[{"a":1},\n]'))).toBe("t.json:2: JSON syntax error: trailing comma before ']'");
    expect(await jsonError('json', utf8('[,]'))).toBe("t.json:1: JSON syntax error: unexpected ','");
    expect(await jsonError('json', utf8('[{"a":1},\n{"a":2}\n'))).toBe('t.json:3: JSON syntax error: unexpected end of input: the top-level array is not closed');
    expect(await jsonError('json', utf8('[\n{"a":1'))).toBe('t.json:2: JSON syntax error: unexpected end of input in the element starting at line 2');
    expect(await jsonError('json', utf8('[]\n[]'))).toBe("t.json:2: JSON syntax error: unexpected '[' after the top-level array");
  });

  it('rejects records that are not objects', async () => {
    expect(await jsonError('jsonl', utf8('{"a":1}\n[1,2]\n'))).toBe('t.jsonl:2: expected an object, found array');
    expect(await jsonError('jsonl', utf8('"x"'))).toBe('t.jsonl:1: expected an object, found string');
    expect(await jsonError('jsonl', utf8('42'))).toBe('t.jsonl:1: expected an object, found number');
    expect(await jsonError('jsonl', utf8('null'))).toBe('t.jsonl:1: expected an object, found null');
    expect(await jsonError('jsonl', utf8(' true'))).toBe('t.jsonl:1: expected an object, found boolean');
    expect(await jsonError('json', utf8('[{"a":1},\n 5]'))).toBe('t.json:2: expected an object, found number');
    expect(await jsonError('json', utf8('[{"a":1},\n 5'))).toBe('t.json:2: expected an object, found number');
    expect(await jsonError('json', utf8('[[1]]'))).toBe('t.json:1: expected an object, found array');
    expect(await jsonError('json', utf8('["{"]'))).toBe('t.json:1: expected an object, found string');
  });

  it('rejects a top level that is not an array in json format', async () => {
    expect(await jsonError('json', utf8('{"a":1}'))).toBe('t.json:1: expected a JSON array of objects at the top level, found object');
    expect(await jsonError('json', utf8('\n\n"x"'))).toBe('t.json:3: expected a JSON array of objects at the top level, found string');
  });

  it('rejects duplicate keys in the record and in nested objects', async () => {
    expect(await jsonError('jsonl', utf8('{"a":1}\n{"a":1,"b":2,"a":3}'))).toBe('t.jsonl:2: duplicate key "a"');
    expect(await jsonError('jsonl', utf8('{"a":1,"\\u0061":2}'))).toBe('t.jsonl:1: duplicate key "a"');
    expect(await jsonError('json', utf8('[{"o":\n{"x":1,\n"x":2}}]'))).toBe('t.json:3: duplicate key "x"');
  });

  it('rejects nesting deeper than maxDepth, also for hostile input', async () => {
    const deep = (levels: number): string => '{"a":' + '['.repeat(levels - 1) + ']'.repeat(levels - 1) + '}';
    expect(await jsonError('jsonl', utf8(deep(65)))).toBe('t.jsonl:1: nesting deeper than 64 levels');
    expect(await jsonError('json', utf8(`[\n${deep(65)}]`))).toBe('t.json:2: nesting deeper than 64 levels');
    expect(await jsonError('jsonl', utf8('{"a":{"b":{"c":{}}}}'), { maxDepth: 3 })).toBe('t.jsonl:1: nesting deeper than 3 levels');
    expect(await jsonError('json', utf8('[{"a":{"b":{"c":{}}}}]'), { maxDepth: 3 })).toBe('t.json:1: nesting deeper than 3 levels');
    // A million levels must neither overflow the stack nor be buffered whole.
    const hostile = '['.repeat(1_000_000);
    expect(await jsonError('jsonl', utf8(`{"a":${hostile}`))).toBe('t.jsonl:1: nesting deeper than 64 levels');
    expect(await jsonError('json', chunksOf(utf8(`[{"a":${hostile}`), 4096))).toBe('t.json:1: nesting deeper than 64 levels');
    expect(await jsonError('json', utf8(`[${hostile}`))).toBe('t.json:1: nesting deeper than 64 levels');
  });

  it('rejects invalid UTF-8 with its line', async () => {
    expect(await jsonError('jsonl', raw('{"a":1}\n{"a":"\xff"}\n'))).toBe('t.jsonl:2: invalid UTF-8');
    expect(await jsonError('jsonl', raw('{"a":1}\n{"a":"\xe6\x97"}'))).toBe('t.jsonl:2: invalid UTF-8');
    expect(await jsonError('json', raw('[\n{"a":1},\n{"a":\n"\xc3("}]'))).toBe('t.json:4: invalid UTF-8');
    expect(await jsonError('json', raw('[{"a":1}]\n\xff'))).toBe("t.json:2: JSON syntax error: unexpected non-ASCII character after the top-level array");
    const data = raw('{"a":1}\n{"b":"\xe6\x97\xa5\xed\xa0\x80"}\n');
    for (let i = 0; i <= data.length; i++) expect(await jsonError('jsonl', split(data, i)), `split at ${i}`).toBe('t.jsonl:2: invalid UTF-8');
    const arr = raw('[{"a":1},\n{"b":\n"\xe6\x97\xa5\xed\xa0\x80"}]');
    for (let i = 0; i <= arr.length; i++) expect(await jsonError('json', split(arr, i)), `split at ${i}`).toBe('t.json:3: invalid UTF-8');
  });

  it('reports an earlier error before invalid UTF-8 later in the same chunk', async () => {
    expect(await jsonError('jsonl', raw('{"a":1}\n{"a" 1}\n{"b":"\xff"}\n'))).toBe("t.jsonl:2: JSON syntax error: expected ':' after an object key, found '1'");
    expect(await jsonError('jsonl', raw('{"a":1}\n{"a" 1}\n{"b":"\xff"}'))).toBe("t.jsonl:2: JSON syntax error: expected ':' after an object key, found '1'");
    expect(await jsonError('json', raw('[{"a":1},{"a" 1},\n{"b":"\xff"}]'))).toBe("t.json:1: JSON syntax error: expected ':' after an object key, found '1'");
  });

  it('rejects an empty file', async () => {
    for (const format of ['jsonl', 'json'] as const) {
      expect(await jsonError(format, utf8(''))).toBe(`t.${format}: file is empty`);
      expect(await jsonError(format, [])).toBe(`t.${format}: file is empty`);
      expect(await jsonError(format, utf8('\uFEFF \r\n\t\n'))).toBe(`t.${format}: file is empty`);
    }
  });
});
