/**
 * Deterministic input mutation for the fuzz tests: a seeded PRNG and the
 * mutations real broken files show (flipped bits, cut-off tails, stray
 * delimiters, quotes, newlines and NULs, lost or doubled spans). The same
 * seed always gives the same bytes, so every failure is a regression case.
 */

/** Park-Miller minimal standard generator: tiny, seedable, good enough to pick bytes. */
export function prng(seed: number): () => number {
  let s = (seed % 2147483647) || 1;
  if (s < 0) s += 2147483646;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const INSERTS = [',', '\t', '"', "'", '\n', '\r', '\r\n', '\0', '{', '}', '[', ']', ':', '\\', '""', '"\n"', '\xff', '-', 'e', '9'.repeat(30)];

export type Mutation = 'bitflip' | 'truncate' | 'insert' | 'delete' | 'duplicate' | 'byte';
export const MUTATIONS: Mutation[] = ['bitflip', 'truncate', 'insert', 'delete', 'duplicate', 'byte'];

export interface Mutated {
  bytes: Buffer;
  /** Human-readable description, for failure messages. */
  what: string;
}

/** Applies 1-3 mutations chosen by `seed` to `input`. */
export function mutate(input: Buffer, seed: number): Mutated {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let b = Buffer.from(input);
  const steps: string[] = [];
  const n = 1 + Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) {
    const m = pick(MUTATIONS);
    const at = Math.floor(rnd() * (b.length + 1));
    switch (m) {
      case 'bitflip': {
        if (b.length === 0) break;
        const p = Math.min(at, b.length - 1);
        const bit = Math.floor(rnd() * 8);
        b[p] = b[p]! ^ (1 << bit);
        steps.push(`bitflip@${p}:${bit}`);
        break;
      }
      case 'truncate':
        b = b.subarray(0, at);
        steps.push(`truncate@${at}`);
        break;
      case 'insert': {
        const s = pick(INSERTS);
        b = Buffer.concat([b.subarray(0, at), Buffer.from(s, 'latin1'), b.subarray(at)]);
        steps.push(`insert@${at}:${JSON.stringify(s)}`);
        break;
      }
      case 'delete': {
        const len = 1 + Math.floor(rnd() * 16);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        steps.push(`delete@${at}+${len}`);
        break;
      }
      case 'duplicate': {
        const len = 1 + Math.floor(rnd() * 64);
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        steps.push(`duplicate@${at}+${len}`);
        break;
      }
      case 'byte': {
        if (b.length === 0) break;
        const p = Math.min(at, b.length - 1);
        const v = pick([0x00, 0xff, 0x7f, 0x80, 0x22, 0x2c, 0x0a, 0xc3]);
        b[p] = v;
        steps.push(`byte@${p}=${v}`);
        break;
      }
    }
  }
  return { bytes: b, what: steps.join(' ') };
}
