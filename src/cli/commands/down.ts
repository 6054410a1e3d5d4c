import { destroyTopology, listTopologies } from '../../topology/staleTopologies.js';
import { UserError } from '../../errors.js';

/**
 * `gauntlet down [--id ID] [--all]`: stops detached topologies and cleans up those left by a
 * killed run. A topology whose harness still runs is left to that harness unless --all.
 */
export async function down(options: { id?: string; all: boolean }): Promise<number> {
  const topologies = (await listTopologies()).filter((t) => !options.id || t.state?.id === options.id);
  if (options.id && topologies.length === 0) throw new UserError(`no topology with id ${options.id}`);
  let count = 0;
  for (const t of topologies) {
    const id = t.state?.id ?? t.dir;
    if (t.status === 'owned' && !options.all && !options.id) {
      console.log(`${id}: left running; it belongs to gauntlet pid ${t.state?.ownerPid} (Ctrl-C there, or use --all)`);
      continue;
    }
    const stopped = await destroyTopology(t.dir, t.state);
    console.log(`${id}: ${t.status === 'stale' ? 'cleaned up after a killed run' : 'stopped'} (${stopped} processes)`);
    count++;
  }
  if (count === 0 && topologies.length === 0) console.log('nothing to stop');
  return 0;
}
