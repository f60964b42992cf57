/** `fv gc [--dry-run] [--grace <duration>] [--json]`: remove unreachable loose objects. */
import type { Command } from 'commander';
import type { GcResult } from '../api/gc.js';
import { openRepository } from './lazy-repository.js';
import type { Json } from '../table/canonical-json.js';
import { print, printJson } from './output.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function renderGc(r: GcResult): string {
  const lines: string[] = [];
  const verb = r.dryRun ? 'would remove' : 'removed';
  lines.push(`${verb} ${plural(r.removed.length, 'unreachable loose object')} (${plural(r.bytes, 'byte')})`);
  if (r.dryRun) for (const o of r.removed) lines.push(`  ${o.oid}  ${o.type.padEnd(6)} ${o.bytes}`);
  if (r.removedPacks.length > 0) lines.push(`${verb} ${plural(r.removedPacks.length, 'unreachable pack')}: ${r.removedPacks.map((p) => `${p.name} (${plural(p.objects, 'object')})`).join(', ')}`);
  if (r.leftovers.length > 0) lines.push(`${verb} ${plural(r.leftovers.length, 'leftover file')} of killed pack writers: ${r.leftovers.join(', ')}`);
  lines.push(`kept ${plural(r.reachableLoose, 'reachable loose object')}; ${plural(r.young, 'unreachable object')} younger than ${r.grace} kept for now; packs with reachable objects untouched`);
  return lines.join('\n');
}

export function gcJson(r: GcResult): Json {
  return {
    dry_run: r.dryRun, grace: r.grace, bytes: r.bytes, reachable_loose: r.reachableLoose, young: r.young,
    removed: r.removed.map((o) => ({ oid: o.oid, type: o.type, bytes: o.bytes })),
    removed_packs: r.removedPacks.map((p) => ({ name: p.name, objects: p.objects, bytes: p.bytes })),
    leftovers: r.leftovers,
  };
}

export function registerGcCommands(program: Command): void {
  program
    .command('gc')
    .description('remove loose objects that no ref, working state, merge in progress or lock file reaches')
    .option('--dry-run', 'list what would be removed and how many bytes; remove nothing')
    .option('--grace <duration>', 'keep unreachable objects modified within this ISO-8601 duration (default FV_GC_GRACE or PT1H)')
    .option('--json', 'print JSON')
    .action(async (o: { dryRun?: boolean; grace?: string; json?: boolean }) => {
      const r = await (await openRepository()).gc({ dryRun: o.dryRun, grace: o.grace });
      if (o.json) printJson(gcJson(r));
      else print(renderGc(r));
    });
}
