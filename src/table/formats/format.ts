/** The file formats fv reads and writes, and how a format is chosen from a file name. */
import * as path from 'node:path';
import { FvError } from '../../errors/FvError.js';

export const INPUT_FORMATS = ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'arrow'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export const OUTPUT_FORMATS = ['csv', 'tsv', 'jsonl', 'json', 'parquet', 'arrow'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const BY_EXTENSION: Record<string, InputFormat> = {
  '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.json': 'json',
  '.parquet': 'parquet', '.pq': 'parquet', '.arrow': 'arrow', '.feather': 'arrow', '.ipc': 'arrow', '.arrows': 'arrow',
};

export function formatFromName(file: string, given: string | undefined, fallback: InputFormat | null): InputFormat {
  if (given !== undefined) {
    if (!(INPUT_FORMATS as readonly string[]).includes(given)) throw new FvError('BAD_USAGE', `unknown format "${given}"`, { hint: `formats: ${INPUT_FORMATS.join(', ')}` });
    return given as InputFormat;
  }
  const byExt = BY_EXTENSION[path.extname(file).toLowerCase()];
  if (byExt) return byExt;
  if (fallback) return fallback;
  throw new FvError('BAD_USAGE', `cannot tell the format of ${file} from its name`, { hint: `pass --format (${INPUT_FORMATS.join(', ')})` });
}
