/** Seeded randomness for tests: the same seed gives the same cases in every run. */

/** xorshift32: numbers in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

/**
 * The seeds, then `count` random edits of them (`minEdits` to `minEdits` + 2
 * replaced, inserted or deleted characters each) over an alphabet of the
 * characters the grammars under test care about.
 */
export function mutations(seeds: string[], seed: number, count: number, alphabet: string, minEdits = 0): string[] {
  const r = rng(seed);
  const out = [...seeds];
  for (let n = 0; n < count; n++) {
    const chars = [...seeds[Math.floor(r() * seeds.length)]!];
    const edits = minEdits + Math.floor(r() * 3);
    for (let e = 0; e < edits; e++) {
      const p = Math.floor(r() * (chars.length + 1));
      const c = alphabet[Math.floor(r() * alphabet.length)]!;
      const op = r();
      if (op < 0.4) chars[p] = c;
      else if (op < 0.7) chars.splice(p, 0, c);
      else chars.splice(p, 1);
    }
    out.push(chars.join(''));
  }
  return out;
}
