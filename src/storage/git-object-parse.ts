/**
 * Parses tree, commit and tag objects read by object-reader.ts into the
 * shapes isomorphic-git returns for them, so git.ts gives the same answers
 * whichever path read the object: modes normalised ('40000' -> '040000'),
 * unsafe entry names refused, a commit's tree and parents read by position
 * and its message with newlines normalised.
 */
import { FvError } from '../errors/FvError.js';

export interface ParsedTreeEntry {
  mode: '100644' | '100755' | '040000' | '120000' | '160000';
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export interface ParsedPerson {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset: number;
}

export interface ParsedCommit {
  tree: string;
  parents: string[];
  message: string;
  author: ParsedPerson;
}

function bad(oid: string, what: string): FvError {
  return new FvError('CORRUPT', `git object ${oid} is damaged: ${what}`, { hint: 'run `git fsck --full` to check the repository' });
}

function modeOf(raw: string, oid: string): ParsedTreeEntry['mode'] {
  if (/^0?4/.test(raw)) return '040000';
  if (raw.startsWith('1006')) return '100644';
  if (raw.startsWith('1007')) return '100755';
  if (raw.startsWith('120')) return '120000';
  if (raw.startsWith('160')) return '160000';
  throw bad(oid, `unknown file mode ${raw}`);
}

/**
 * Names git's verify_path() refuses: separators, "." and "..", and ".git"
 * in any spelling that a case-insensitive, NTFS or HFS+ file system would
 * resolve to it (trailing dots and spaces, 8.3 short names, alternate data
 * streams, ignorable Unicode).
 */
function unsafeName(name: string): boolean {
  const hfs = name.replace(/[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g, '');
  const ntfs = hfs.split(':')[0]!.toLowerCase().replace(/[. ]+$/, '');
  return name.length === 0 || name.includes('/') || name.includes('\\') || hfs === '.' || hfs === '..' || ntfs === '.git' || /^\.?git~[1-9]$/.test(ntfs);
}

/** A tree entry exactly as stored: the name unchecked (it may be unsafe), the mode zero-padded to six digits. */
export interface RawTreeEntry {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

/**
 * A tree's entries as stored (`<mode> <name>\0<20-byte id>` each), names
 * unchecked: for callers that must see every entry (validating received
 * history, marking for gc). Undefined when the bytes are not a tree.
 */
export function rawTreeEntries(data: Buffer): RawTreeEntry[] | undefined {
  const entries: RawTreeEntry[] = [];
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const nul = data.indexOf(0, pos);
    if (space < 0 || nul < 0 || space > nul || nul + 21 > data.length) return undefined;
    const mode = data.toString('latin1', pos, space).padStart(6, '0');
    const type = mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ mode, path: data.toString('utf8', space + 1, nul), oid: data.toString('hex', nul + 1, nul + 21), type });
    pos = nul + 21;
  }
  return entries;
}

/** A tree's entries with modes normalised as isomorphic-git does; a malformed tree or an unsafe name is CORRUPT. */
export function parseTree(oid: string, data: Buffer): ParsedTreeEntry[] {
  const raw = rawTreeEntries(data);
  if (raw === undefined) throw bad(oid, 'malformed tree entry');
  return raw.map((e) => {
    const mode = modeOf(e.mode, oid);
    if (unsafeName(e.path)) throw new FvError('CORRUPT', `git tree ${oid} holds an unsafe path ${JSON.stringify(e.path)}`);
    return { mode, path: e.path, oid: e.oid, type: mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob' };
  });
}

/** Header lines (continuation lines, which start with a space, joined to the one before) and the message. */
function splitHeaders(text: string): { headers: [string, string][]; message: string } {
  const cut = text.indexOf('\n\n');
  const head = cut < 0 ? text : text.slice(0, cut);
  const headers: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && headers.length > 0) headers[headers.length - 1]![1] += '\n' + line.slice(1);
    else {
      const sp = line.indexOf(' ');
      headers.push(sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)]);
    }
  }
  const body = cut < 0 ? '' : text.slice(cut + 2);
  // As isomorphic-git does: no carriage returns, no leading blank lines, exactly one trailing newline.
  const message = body.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '') + '\n';
  return { headers, message };
}

function parsePerson(oid: string, value: string): ParsedPerson {
  const m = /^(.*) <(.*)> (.*) ([+-])(\d\d)(\d\d)$/.exec(value);
  if (m === null) throw bad(oid, `malformed person line ${JSON.stringify(value)}`);
  const minutes = (m[4] === '+' ? 1 : -1) * (Number(m[5]) * 60 + Number(m[6]));
  // Minutes to add to local time to get UTC, as Date#getTimezoneOffset and isomorphic-git count them.
  return { name: m[1]!, email: m[2]!, timestamp: Number(m[3]), timezoneOffset: minutes === 0 ? 0 : -minutes };
}

export function parseCommit(oid: string, data: Buffer): ParsedCommit {
  const { headers, message } = splitHeaders(data.toString('utf8'));
  // Like git: the tree is the first header and the parents the run right after it; later ones are not interpreted.
  if (headers[0]?.[0] !== 'tree') throw bad(oid, 'a commit must start with its tree');
  const parents: string[] = [];
  let i = 1;
  for (; i < headers.length && headers[i]![0] === 'parent'; i++) parents.push(headers[i]![1]);
  const author = headers.slice(i).find(([k]) => k === 'author');
  if (author === undefined) throw bad(oid, 'a commit without an author');
  return { tree: headers[0][1], parents, message, author: parsePerson(oid, author[1]) };
}

/** The id an annotated tag points at. */
export function tagTarget(oid: string, data: Buffer): string {
  const object = splitHeaders(data.toString('utf8')).headers.find(([k]) => k === 'object');
  if (object === undefined || !/^[0-9a-f]{40}$/.test(object[1])) throw bad(oid, 'a tag without a target');
  return object[1];
}
