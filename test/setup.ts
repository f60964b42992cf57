import { afterEach } from 'vitest';

// CLI tests run fv with spawnSync, which blocks the worker's event loop for a
// whole test. Let the loop reach its I/O phase after every test so vitest's
// own RPC replies are handled before their 60 s timeout.
afterEach(async () => {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setImmediate(resolve));
});
