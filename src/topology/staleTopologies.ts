import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { topologiesDir } from './gauntletHome.js';
import { isAlive, stopRecordedProcesses } from './processControl.js';
import { readTopologyState, type TopologyState } from './topologyState.js';

export interface TopologyListing {
  dir: string;
  state: TopologyState | null;
  /** 'owned': its harness runs; 'detached': left up on purpose; 'stale': its harness died. */
  status: 'owned' | 'detached' | 'stale';
}

export async function listTopologies(): Promise<TopologyListing[]> {
  let names: string[];
  try {
    names = await readdir(topologiesDir());
  } catch {
    return [];
  }
  const out: TopologyListing[] = [];
  for (const name of names.sort()) {
    const dir = join(topologiesDir(), name);
    const state = await readTopologyState(dir).catch(() => null);
    if (!state) out.push({ dir, state: null, status: 'stale' });
    else if (state.ownerPid === null) out.push({ dir, state, status: 'detached' });
    else out.push({ dir, state, status: isAlive(state.ownerPid) ? 'owned' : 'stale' });
  }
  return out;
}

/** Stops every process of a topology that is still ours (verified by working directory) and removes its files. */
export async function destroyTopology(dir: string, state: TopologyState | null): Promise<number> {
  const stopped = state ? await stopRecordedProcesses(state.processes, dir, 2000) : 0;
  await rm(dir, { recursive: true, force: true });
  return stopped;
}

/**
 * Cleans up topologies whose harness was killed (and whose watchdog did not finish the job).
 * A directory without a readable state file is only removed once it is older than a minute,
 * because another harness may be writing it right now.
 */
export async function cleanupStaleTopologies(): Promise<Array<{ id: string; processesStopped: number }>> {
  const cleaned: Array<{ id: string; processesStopped: number }> = [];
  for (const t of await listTopologies()) {
    if (t.status !== 'stale') continue;
    if (!t.state) {
      const age = Date.now() - (await stat(t.dir).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age < 60_000) continue;
    }
    cleaned.push({ id: t.state?.id ?? t.dir, processesStopped: await destroyTopology(t.dir, t.state) });
  }
  return cleaned;
}
