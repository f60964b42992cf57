/**
 * Git's loose object encoding: the object id (SHA-1 of "<type> <size>\0"
 * and the body) and the file's bytes (the same, deflated). Kept apart from
 * GitRepo so the chunk workers can compute a chunk's id off the main
 * thread without loading isomorphic-git.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

export type LooseObjectType = 'blob' | 'tree';

function header(type: LooseObjectType, body: Uint8Array): Buffer {
  return Buffer.from(`${type} ${body.length}\0`, 'utf8');
}

/** The id git gives an object of this type and body. */
export function gitObjectId(type: LooseObjectType, body: Uint8Array): string {
  return createHash('sha1').update(header(type, body)).update(body).digest('hex');
}

/**
 * The loose object file for this type and body, deflated at level 1: git's
 * own default for loose objects (core.looseCompression), and several times
 * faster than zlib's default level 6 on chunk data.
 */
export function deflateLooseObject(type: LooseObjectType, body: Uint8Array): Buffer {
  return deflateSync(Buffer.concat([header(type, body), body]), { level: 1 });
}
