import { parseInfo } from '../topology/replicationInfo.js';

/** One reading of a server's cumulative counters (INFO all). */
export interface Counters {
  node: string;
  commands: Map<string, { calls: number; usec: number }>;
  forks: number;
  latestForkUs: number;
  aofDelayedFsync: number;
}

/** What the session workload sends (its scripts, OAuth state, durable mode's WAIT). */
export const workloadCommands = new Set(['evalsha', 'eval', 'set', 'getdel', 'wait', 'script|load']);

export function parseCounters(node: string, info: string): Counters {
  const fields = parseInfo(info);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const [k, v] of fields) {
    if (!k.startsWith('cmdstat_')) continue;
    const kv = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
    commands.set(k.slice('cmdstat_'.length), { calls: Number(kv.calls ?? 0), usec: Number(kv.usec ?? 0) });
  }
  return { node, commands, forks: Number(fields.get('total_forks') ?? 0), latestForkUs: Number(fields.get('latest_fork_usec') ?? 0), aofDelayedFsync: Number(fields.get('aof_delayed_fsync') ?? 0) };
}

/** Per command: calls and the server's time per call, µs to a tenth; the workload's commands only. */
export function perCommandOf(totals: ReadonlyMap<string, { calls: number; usec: number }>): Array<{ command: string; calls: number; usecPerCall: number }> {
  return [...totals].filter(([cmd, v]) => workloadCommands.has(cmd) && v.calls > 0).map(([command, v]) => ({ command, calls: v.calls, usecPerCall: Math.round((v.usec / v.calls) * 10) / 10 }));
}

/**
 * One master's counters during the run, as deltas of consecutive readings. A reading from
 * another node than the last (a failover: the new master's counters began elsewhere) is a new
 * baseline, not a delta, so a switch of master never counts the new master's whole history.
 */
export class CounterDeltas {
  readonly totals = new Map<string, { calls: number; usec: number }>();
  forks = 0;
  latestForkUs = 0;
  aofDelayedFsync = 0;
  private last: Counters | null = null;

  /** Adds a reading; returns the workload's calls and µs since the previous reading (0 and 0 for a new baseline). */
  add(now: Counters): { calls: number; usec: number } {
    const prev = this.last;
    this.last = now;
    let calls = 0;
    let usec = 0;
    if (!prev || prev.node !== now.node) return { calls, usec };
    for (const [cmd, v] of now.commands) {
      const p = prev.commands.get(cmd) ?? { calls: 0, usec: 0 };
      const dc = v.calls - p.calls;
      const du = v.usec - p.usec;
      if (dc <= 0) continue;
      const total = this.totals.get(cmd) ?? { calls: 0, usec: 0 };
      total.calls += dc;
      total.usec += du;
      this.totals.set(cmd, total);
      if (workloadCommands.has(cmd)) {
        calls += dc;
        usec += du;
      }
    }
    this.forks += Math.max(0, now.forks - prev.forks);
    if (now.forks > prev.forks) this.latestForkUs = now.latestForkUs;
    this.aofDelayedFsync += Math.max(0, now.aofDelayedFsync - prev.aofDelayedFsync);
    return { calls, usec };
  }

  /** Forget the last reading: the next is a new baseline (the master was replaced). */
  reset(): void {
    this.last = null;
  }
}
