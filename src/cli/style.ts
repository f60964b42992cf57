/** Terminal styling that obeys NO_COLOR / FORCE_COLOR and only colours a TTY. */
function colourEnabled(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}

const on = colourEnabled(process.stdout);
const wrap = (code: string) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

export const style = {
  bold: wrap('1'),
  dim: wrap('2'),
  red: wrap('31'),
  green: wrap('32'),
  yellow: wrap('33'),
  cyan: wrap('36'),
};

/** Pads cells into aligned columns (no colour codes inside cells). */
export function columns(rows: string[][], gap = 2): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length + gap))).join('').trimEnd());
}

export function truncate(s: string, max: number): string {
  const flat = s.replace(/[\r\n\t]/g, ' ');
  return [...flat].length <= max ? flat : [...flat].slice(0, max - 1).join('') + '…';
}
