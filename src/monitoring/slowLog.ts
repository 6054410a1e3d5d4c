import type { StartedTopology } from '../topology/startedTopology.js';

export interface SlowLogEntry {
  node: string;
  at: string;
  durationMs: number;
  command: string;
}

/** SLOWLOG GET from every running node (admin connections), entries since `sinceMs` (wall clock), slowest first. */
export async function collectSlowLog(t: StartedTopology, sinceMs: number, limit = 50): Promise<SlowLogEntry[]> {
  const out: SlowLogEntry[] = [];
  for (const n of t.nodes) {
    if (!n.isRunning()) continue;
    const entries = (await n.control().call('SLOWLOG', 'GET', '256').catch(() => [])) as Array<[number, number, number, string[]]>;
    for (const [, ts, us, args] of entries) {
      if (ts * 1000 < sinceMs - 1000) continue;
      // Arguments may hold session data; keep the command name and the first key only.
      out.push({ node: n.name, at: new Date(ts * 1000).toISOString(), durationMs: us / 1000, command: args.slice(0, 2).join(' ') });
    }
  }
  return out.sort((a, b) => b.durationMs - a.durationMs).slice(0, limit);
}
