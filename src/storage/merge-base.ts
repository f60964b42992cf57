/**
 * Merge bases from commit parents alone, so that finding one reads commits
 * through fv's object reader (packed commits one by one) rather than through
 * isomorphic-git, which would load whole packs to walk the history.
 *
 * A best common ancestor of a and b is a commit reachable from both that is
 * not an ancestor of another such commit. With criss-cross histories there
 * can be several; they are returned in the order a breadth-first walk from b
 * meets them.
 */
export async function mergeBases(a: string, b: string, parentsOf: (oid: string) => Promise<string[]>): Promise<string[]> {
  const fromA = await reachable(a, parentsOf);
  // Walk back from b; a commit also reachable from a is common, and nothing behind it can be a better base.
  const common: string[] = [];
  const seen = new Set([b]);
  let frontier = [b];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const c of frontier) {
      if (fromA.has(c)) {
        common.push(c);
        continue;
      }
      for (const p of await parentsOf(c)) {
        if (!seen.has(p)) {
          seen.add(p);
          next.push(p);
        }
      }
    }
    frontier = next;
  }
  if (common.length < 2) return common;
  // Reached from b by different paths, one common commit may still be an ancestor of another.
  const behind = new Set<string>();
  for (const c of common) for (const p of await parentsOf(c)) for (const r of await reachable(p, parentsOf)) behind.add(r);
  return common.filter((c) => !behind.has(c));
}

/** `start` and every commit behind it. */
async function reachable(start: string, parentsOf: (oid: string) => Promise<string[]>): Promise<Set<string>> {
  const seen = new Set([start]);
  const stack = [start];
  while (stack.length > 0) {
    for (const p of await parentsOf(stack.pop()!)) {
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return seen;
}
