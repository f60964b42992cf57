/**
 * isomorphic-git, loaded on the first call instead of at start-up: it costs
 * ~0.1 s of CPU to load, and commands such as `fv --version` or `fv --help`
 * never touch git. Every isomorphic-git function fv calls returns a promise,
 * so a proxy whose methods await the module first is a drop-in stand-in.
 */
import type IsoGit from 'isomorphic-git';

type Git = typeof IsoGit;

let loading: Promise<Git> | undefined;
const load = (): Promise<Git> => (loading ??= import('isomorphic-git').then((m) => m.default));

export const git: Git = new Proxy({} as Git, {
  // Not a thenable: `await` on the proxy itself must not call into the module.
  get: (_target, name) => name === 'then' ? undefined : async (...args: unknown[]) => {
    const real = (await load()) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
    return real[name]!(...args);
  },
});
