/**
 * Watchdog process: `node --import tsx watchdog.ts <ownerPid> <topologyDir>`.
 * Started detached by EmbeddedTopology for harness-owned topologies. When the owner dies without
 * stopping the topology (SIGKILL, OOM kill), it stops every process the topology started.
 * A normal stop() or a detach ends the watchdog first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from './processControl.js';
import { destroyTopology } from './staleTopologies.js';
import { readTopologyState } from './topologyState.js';

const ownerPid = Number(process.argv[2]);
const dir = process.argv[3];
if (!Number.isInteger(ownerPid) || !dir) {
  console.error('usage: watchdog.ts <ownerPid> <topologyDir>');
  process.exit(64);
}
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => undefined);

while (isAlive(ownerPid)) await sleep(250);
const state = await readTopologyState(dir).catch(() => null);
if (state && state.ownerPid === ownerPid) await destroyTopology(dir, state);
process.exit(0);
