import { describe, expect, it } from 'vitest';
import { FvError } from '../../../src/errors/FvError.js';
import { CsvBatchRecycler, type CsvBatch } from '../../../src/table/formats/csv-batch.js';
import { parseCsv } from '../../../src/table/formats/csv-parser.js';

import { chunksOf, fromChunks, raw, split, utf8 } from './byte-input.js';

/** A record as text, to compare with expectations. */
interface CsvRecord {
  fields: (string | null)[];
  line: number;
}

function recordsOf(b: CsvBatch): CsvRecord[] {
  return Array.from({ length: b.length }, (_, r) => ({ fields: b.record(r), line: b.lines[r]! }));
}

async function batches(chunks: Uint8Array[], opts: { delimiter?: number; batchSize?: number } = {}): Promise<CsvRecord[][]> {
  const out: CsvRecord[][] = [];
  for await (const b of parseCsv(fromChunks(chunks), { delimiter: opts.delimiter ?? 44, fileName: 't.csv', batchSize: opts.batchSize })) out.push(recordsOf(b));
  return out;
}

async function records(data: Uint8Array | Uint8Array[], opts: { delimiter?: number; batchSize?: number } = {}): Promise<CsvRecord[]> {
  return (await batches(Array.isArray(data) ? data : [data], opts)).flat();
}

async function csvError(data: Uint8Array | Uint8Array[], opts: { delimiter?: number } = {}): Promise<FvError> {
  try {
    await records(data, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(FvError);
    expect((e as FvError).code).toBe('BAD_INPUT');
    return e as FvError;
  }
  throw new Error('expected the parse to fail');
}

// A small file with every tricky thing at once: BOM, CRLF, quoted delimiter,
// doubled quotes, null vs "", a blank line, CRLF and LF inside quotes,
// multibyte text (2-, 3- and 4-byte sequences), whitespace, a literal quote in
// an unquoted field and a last line without newline.
const TRICKY = utf8(
  '\uFEFFid,name,note\r\n' +
    '1,"a,b","say ""hi"""\r\n' +
    '2,,""\r\n' +
    '\r\n' +
    '3,"multi\r\nline\nté😀",日本\r\n' +
    '4, x ,a"b\n' +
    '5,é,"€"',
);
const TRICKY_RECORDS: CsvRecord[] = [
  { fields: ['id', 'name', 'note'], line: 1 },
  { fields: ['1', 'a,b', 'say "hi"'], line: 2 },
  { fields: ['2', null, ''], line: 3 },
  { fields: ['3', 'multi\r\nline\nté😀', '日本'], line: 5 },
  { fields: ['4', ' x ', 'a"b'], line: 8 },
  { fields: ['5', 'é', '€'], line: 9 },
];

describe('parseCsv: values', () => {
  it('parses the tricky file in one chunk', async () => {
    expect(await records(TRICKY)).toEqual(TRICKY_RECORDS);
  });

  it('gives the same result wherever the chunk boundaries fall', async () => {
    expect(await records(chunksOf(TRICKY, 1))).toEqual(TRICKY_RECORDS);
    for (let i = 0; i <= TRICKY.length; i++) {
      expect(await records(split(TRICKY, i)), `split at ${i}`).toEqual(TRICKY_RECORDS);
    }
    for (let i = 1; i < TRICKY.length; i++) {
      for (let j = i + 1; j < TRICKY.length; j++) {
        const got = await records(split(TRICKY, i, j));
        if (JSON.stringify(got) !== JSON.stringify(TRICKY_RECORDS)) expect(got, `split at ${i},${j}`).toEqual(TRICKY_RECORDS);
      }
    }
  });

  it('tells null (unquoted empty) from the empty string (quoted empty)', async () => {
    expect(await records(utf8('a,b,c\n,"",x\n"",,\n1,2,\n'))).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: [null, '', 'x'], line: 2 },
      { fields: ['', null, null], line: 3 },
      { fields: ['1', '2', null], line: 4 },
    ]);
    // An empty last field on a last line without newline is null too.
    expect((await records(utf8('a,b\r\n1,')))[1]).toEqual({ fields: ['1', null], line: 2 });
  });

  it('keeps whitespace, a lone CR and quotes inside unquoted fields', async () => {
    expect(await records(utf8('a,b\n  x\t, y \nx\ry,a""b"\n'))).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['  x\t', ' y '], line: 2 },
      { fields: ['x\ry', 'a""b"'], line: 3 },
    ]);
  });

  it('handles CRLF inside quotes and CRLF/LF line ends', async () => {
    expect(await records(utf8('a,b\r\n"x\r\ny","\r\n"\r\n"q",z\n'))).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x\r\ny', '\r\n'], line: 2 },
      { fields: ['q', 'z'], line: 5 },
    ]);
  });

  it('ends the last record at end of input, with or without a newline or a CR', async () => {
    expect(await records(utf8('a\n1'))).toEqual([{ fields: ['a'], line: 1 }, { fields: ['1'], line: 2 }]);
    expect(await records(utf8('a\r\n1\r'))).toEqual([{ fields: ['a'], line: 1 }, { fields: ['1'], line: 2 }]);
    expect(await records(utf8('a\n"1"'))).toEqual([{ fields: ['a'], line: 1 }, { fields: ['1'], line: 2 }]);
    expect(await records(utf8('a\n"1"\r'))).toEqual([{ fields: ['a'], line: 1 }, { fields: ['1'], line: 2 }]);
    expect(await records(utf8('a\n""'))).toEqual([{ fields: ['a'], line: 1 }, { fields: [''], line: 2 }]);
  });

  it('skips blank lines anywhere, including an empty line at the end', async () => {
    expect(await records(utf8('\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n'))).toEqual([
      { fields: ['a', 'b'], line: 3 },
      { fields: ['1', '2'], line: 5 },
      { fields: ['3', '4'], line: 8 },
    ]);
  });

  it('skips only a leading BOM and keeps U+FEFF inside the data', async () => {
    expect(await records(utf8('\uFEFFa\n\uFEFFx\n'))).toEqual([
      { fields: ['a'], line: 1 },
      { fields: ['\uFEFFx'], line: 2 },
    ]);
    // A BOM split over three chunks.
    expect(await records([raw('\xef'), raw('\xbb'), raw('\xbfa\n1\n')])).toEqual([
      { fields: ['a'], line: 1 },
      { fields: ['1'], line: 2 },
    ]);
  });

  it('parses TSV with delimiter 9', async () => {
    expect(await records(utf8('a\tb\n1,2\t"x\ty"\n'), { delimiter: 9 })).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1,2', 'x\ty'], line: 2 },
    ]);
  });

  it('yields batches of batchSize records, header first', async () => {
    const got = await batches([utf8('h\n1\n2\n3\n4\n')], { batchSize: 2 });
    expect(got.map((b) => b.map((r) => r.fields[0]))).toEqual([['h', '1'], ['2', '3'], ['4']]);
    // The same with one-byte chunks.
    const got1 = await batches(chunksOf(utf8('h\n1\n2\n3\n4\n'), 1), { batchSize: 2 });
    expect(got1.map((b) => b.map((r) => r.fields[0]))).toEqual([['h', '1'], ['2', '3'], ['4']]);
  });

  it('keeps fields and lines right when blank lines, multi-line fields, chunk and batch ends meet', async () => {
    const data = utf8('h,q\r\n\n1,"a\nb"\n\n\n2,""\r\n3,"x""y"\n\n4,\n');
    const expected: CsvRecord[] = [
      { fields: ['h', 'q'], line: 1 },
      { fields: ['1', 'a\nb'], line: 3 },
      { fields: ['2', ''], line: 7 },
      { fields: ['3', 'x"y'], line: 8 },
      { fields: ['4', null], line: 10 },
    ];
    for (const batchSize of [1, 2, 3]) {
      for (const size of [1, 2, 3, 5, 8, 64]) {
        const got = await batches(chunksOf(data, size), { batchSize });
        expect(got.flat(), `chunks of ${size}, batches of ${batchSize}`).toEqual(expected);
        expect(got.every((b) => b.length <= batchSize)).toBe(true);
      }
    }
  });

  it('gives each batch its own bytes and a row view with slice', async () => {
    const all: CsvBatch[] = [];
    for await (const b of parseCsv(fromChunks(chunksOf(utf8('h\nab\ncd\nef\n'), 3)), { delimiter: 44, fileName: 't.csv', batchSize: 2 })) all.push(b);
    // Batches stay valid after later ones are parsed (a caller may hold them).
    expect(all.map(recordsOf).flat().map((r) => r.fields[0])).toEqual(['h', 'ab', 'cd', 'ef']);
    expect(recordsOf(all[0]!.slice(1))).toEqual([{ fields: ['ab'], line: 2 }]);
  });

  it('refills the arrays of batches given back, with the same records as fresh ones', async () => {
    // Records of varying length (so the arrays grow between batches), multi-line fields, blank lines, a ragged chunking.
    const parts = ['id,text\n'];
    for (let r = 0; r < 3000; r++) parts.push(`${r},${r % 11 === 0 ? `"q\n${r}"` : 'x'.repeat(r % 97)}\n${r % 13 === 0 ? '\n' : ''}`);
    const data = utf8(parts.join(''));
    const recycler = new CsvBatchRecycler();
    const recycled: CsvRecord[] = [];
    for await (const b of parseCsv(fromChunks(chunksOf(data, 333)), { delimiter: 44, fileName: 't.csv', batchSize: 100, recycler })) {
      recycled.push(...recordsOf(b));
      recycler.release(b.slice(1)); // a slice gives back the same arrays
    }
    expect(recycled).toEqual(await records(chunksOf(data, 333), { batchSize: 100 }));
  });

  it('parses many records across chunk sizes with correct lines', async () => {
    const parts = ['id,text,q\n'];
    for (let r = 0; r < 30000; r++) parts.push(`${r},ü${r}😀,${r % 7 === 0 ? `"x\n${r}"` : r % 5 === 0 ? '' : '"a""b"'}\n`);
    const data = utf8(parts.join(''));
    for (const size of [65536, 997]) {
      const got = await batches(chunksOf(data, size));
      expect(got.slice(0, -1).every((b) => b.length === 8192)).toBe(true);
      const expected: CsvRecord[] = [{ fields: ['id', 'text', 'q'], line: 1 }];
      let line = 2;
      for (let r = 0; r < 30000; r++) {
        expected.push({ fields: [String(r), `ü${r}😀`, r % 7 === 0 ? `x\n${r}` : r % 5 === 0 ? null : 'a"b'], line });
        line += r % 7 === 0 ? 2 : 1;
      }
      expect(got.flat()).toEqual(expected);
    }
  });

  it('handles one field spanning many chunks', async () => {
    const big = 'é"'.repeat(500_000);
    const data = utf8(`a,b\n"${big.replaceAll('"', '""')}",2\n`);
    const recs = await records(chunksOf(data, 1024));
    expect(recs.length).toBe(2);
    expect(recs[1]!.fields[0]).toBe(big);
    expect(recs[1]!.fields[1]).toBe('2');
  });
});

describe('parseCsv: errors', () => {
  it('rejects ragged rows with the line where the record starts', async () => {
    expect((await csvError(utf8('a,b\n1,2\n"x\ny",2,3\n'))).message).toBe('t.csv:3: expected 2 fields, found 3');
    expect((await csvError(utf8('a,b\r\n1,2\r\n3'))).message).toBe('t.csv:3: expected 2 fields, found 1');
  });

  it('rejects an unterminated quoted field', async () => {
    expect((await csvError(utf8('a,b\n1,"abc\ndef\n'))).message).toBe('t.csv:2: unterminated quoted field starting at line 2');
    expect((await csvError(utf8('a\n"'))).message).toBe('t.csv:2: unterminated quoted field starting at line 2');
  });

  it('rejects characters after a closing quote', async () => {
    expect((await csvError(utf8('a,b\n1,"x"y\n'))).message).toBe('t.csv:2: unexpected character after closing quote');
    expect((await csvError(utf8('a,b\n1,"x\n" ,\n'))).message).toBe('t.csv:3: unexpected character after closing quote');
    expect((await csvError(utf8('a,b\n1,"x"\r2\n'))).message).toBe('t.csv:2: unexpected character after closing quote');
  });

  it('rejects invalid UTF-8 with its line', async () => {
    expect((await csvError(raw('a,b\n1,2\n3,\xff\n'))).message).toBe('t.csv:3: invalid UTF-8');
    expect((await csvError(raw('a\n"x\n\xc3("\n'))).message).toBe('t.csv:3: invalid UTF-8'); // bad continuation
    expect((await csvError(raw('a\n\xc0\xaf\n'))).message).toBe('t.csv:2: invalid UTF-8'); // overlong
    expect((await csvError(raw('a\n\xed\xa0\x80\n'))).message).toBe('t.csv:2: invalid UTF-8'); // encoded surrogate
    expect((await csvError(raw('a\n\xe6\x97'))).message).toBe('t.csv:2: invalid UTF-8'); // truncated at end of file
    expect((await csvError(raw('\xef\xbb'))).message).toBe('t.csv:1: invalid UTF-8'); // half a BOM
    const data = raw('a,b\n1,"x\n\xe6\x97\xa5\xff"\n');
    for (let i = 0; i <= data.length; i++) expect((await csvError(split(data, i))).message, `split at ${i}`).toBe('t.csv:3: invalid UTF-8');
  });

  it('reports the first problem in the file when a chunk has several', async () => {
    expect((await csvError(raw('a,b\n\xff,1\n1,2,3\n'))).message).toBe('t.csv:2: invalid UTF-8');
    // ... and a bad header before invalid UTF-8.
    expect((await csvError(raw('a,a\n\xff,1\n'))).message).toBe('t.csv:1: duplicate column name "a"');
  });

  it('rejects an empty file', async () => {
    expect((await csvError(utf8(''))).message).toBe('t.csv: file is empty');
    expect((await csvError([])).message).toBe('t.csv: file is empty');
    expect((await csvError(utf8('\uFEFF'))).message).toBe('t.csv: file is empty');
    expect((await csvError(utf8('\n\r\n\n'))).message).toBe('t.csv: file is empty');
  });

  it('rejects empty and duplicate column names', async () => {
    expect((await csvError(utf8('a,,c\n1,2,3\n'))).message).toBe('t.csv:1: empty column name (column 2)');
    expect((await csvError(utf8('a,""\n'))).message).toBe('t.csv:1: empty column name (column 2)');
    expect((await csvError(utf8('\n\na,b,a\n'))).message).toBe('t.csv:3: duplicate column name "a"');
    expect((await csvError(utf8('é,"é"'))).message).toBe('t.csv:1: duplicate column name "é"');
    // The header problem comes first even when a later row is ragged.
    expect((await csvError(utf8('a,a\n1\n'))).message).toBe('t.csv:1: duplicate column name "a"');
  });

  it('rejects a delimiter that cannot work', async () => {
    for (const d of [0x22, 0x0a, 0x0d, 0, 0xc3]) {
      await expect(records(utf8('a\n'), { delimiter: d })).rejects.toMatchObject({ code: 'BAD_USAGE', message: `invalid CSV delimiter byte ${d}` });
    }
  });

  it('rejects NUL bytes', async () => {
    expect((await csvError(raw('a,b\n1,x\0y\n'))).message).toBe('t.csv:2: binary data (NUL byte) in a text file');
    expect((await csvError(raw('a\n"x\n\0"\n'))).message).toBe('t.csv:3: binary data (NUL byte) in a text file');
    expect((await csvError(raw('a\n"x"\0\n'))).message).toBe('t.csv:2: binary data (NUL byte) in a text file');
  });
});
