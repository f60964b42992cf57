/**
 * JSON.parse that keeps every number literal's exact text (as RawJson), so
 * that a value written with canonicalJson (bigints, decimals) is written
 * back byte for byte. Used for fv's own state files.
 */
import { RawJson } from '../../table/canonical-json.js';
import type { Json } from '../../table/canonical-json.js';

export function parseJsonLossless(text: string): Json {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError(`bad JSON at offset ${i}`);
  };
  const value = (): Json => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const o: Record<string, Json> = {};
      ws();
      if (text[i] === '}') return i++, o;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        const k = str();
        ws();
        if (text[i++] !== ':') fail();
        o[k] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return i++, o;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      const a: Json[] = [];
      ws();
      if (text[i] === ']') return i++, a;
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return i++, a;
        else fail();
      }
    }
    if (ch === '"') return str();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) return (i += word.length), v;
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail();
    i += m[0].length;
    return new RawJson(m[0]);
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}
