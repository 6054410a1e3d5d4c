import { ShardMasters } from '../load/shardMasters.js';
import type { Target } from '../target/target.js';
import { CounterDeltas, parseCounters, perCommandOf } from './serverCounters.js';
import type { ServerTime } from './serverTime.js';

/** One shard's server time during the run: its masters' counters, followed through failovers. */
export interface ShardServerTime {
  name: string;
  /** The nodes that served as its master while sampled, in order (our cluster's node names, else announced addresses). */
  masters: string[];
  perCommand: Array<{ command: string; calls: number; usecPerCall: number }>;
  forks: number;
  aofDelayedFsync: number;
  /** Readings (the start's and one a second) its master did not answer; the deltas span them. */
  missedSamples: number;
  missedWhy: string | null;
}

/** One shard's running state: its counters' deltas, masters seen, misses. */
export interface ShardCounters {
  name: string;
  deltas: CounterDeltas;
  masters: string[];
  missedSamples: number;
  missedWhy: string | null;
}

/** A cluster's counters as one server's: calls and µs per command, forks and delayed fsyncs added over shards; the latest fork is the longest shard's. */
export function sumOverShards(shards: readonly ShardCounters[]): Pick<ServerTime, 'perCommand' | 'forks' | 'latestForkUs' | 'aofDelayedFsync' | 'byShard'> {
  const totals = new Map<string, { calls: number; usec: number }>();
  for (const s of shards) {
    for (const [cmd, v] of s.deltas.totals) {
      const t = totals.get(cmd) ?? { calls: 0, usec: 0 };
      t.calls += v.calls;
      t.usec += v.usec;
      totals.set(cmd, t);
    }
  }
  return {
    perCommand: perCommandOf(totals),
    forks: shards.reduce((n, s) => n + s.deltas.forks, 0),
    latestForkUs: Math.max(0, ...shards.map((s) => s.deltas.latestForkUs)),
    aofDelayedFsync: shards.reduce((n, s) => n + s.deltas.aofDelayedFsync, 0),
    byShard: shards.map((s) => ({ name: s.name, masters: s.masters, perCommand: perCommandOf(s.deltas.totals), forks: s.deltas.forks, aofDelayedFsync: s.deltas.aofDelayedFsync, missedSamples: s.missedSamples, missedWhy: s.missedWhy })),
  };
}

/** Adds one reading to a shard: a new master starts a new baseline (CounterDeltas) and is recorded. Returns the workload's calls and µs since the last. */
export function addReading(s: ShardCounters, node: string, info: string): { calls: number; usec: number } {
  if (s.masters.at(-1) !== node) s.masters.push(node);
  return s.deltas.add(parseCounters(node, info));
}

/**
 * ServerTimeSampler on a cluster: every shard's current master once a second (INFO all, on
 * ShardMasters' connections, which follow failovers), summed for the attribution and kept per
 * shard so a slow shard shows; LATENCY LATEST of every node read from, naming the node. On our
 * cluster latency-monitor-threshold is set on each master when first read (and put back at the
 * end), as on our Sentinel topology. A shard that did not answer a second is counted on it; its
 * next reading's delta covers the gap.
 */
export class ShardServerTimeSampler {
  private masters: ShardMasters | null = null;
  private shards: ShardCounters[] = [];
  private why: string | null = null;
  private readonly perSecond: ServerTime['perSecond'] = [];
  /** Our cluster: each node's latency-monitor-threshold before the run, once this sampler set it. */
  private readonly thresholdBefore = new Map<string, string>();
  private readonly thresholdMs: number | null;

  constructor(
    private readonly target: Target,
    private readonly eventThresholdMs: number,
  ) {
    this.thresholdMs = target.cluster ? Math.max(1, Math.floor(eventThresholdMs)) : null;
  }

  async start(): Promise<void> {
    const m = await ShardMasters.open(this.target);
    if ('why' in m) {
      this.why = m.why;
      return;
    }
    this.masters = m;
    this.shards = m.names.map((name) => ({ name, deltas: new CounterDeltas(), masters: [], missedSamples: 0, missedWhy: null }));
    await this.read(null);
  }

  async sample(t: number): Promise<void> {
    if (this.masters) await this.read(t);
  }

  async finish(): Promise<ServerTime> {
    const latencyEvents: ServerTime['latencyEvents'] = [];
    if (this.masters) {
      const latest = await this.masters.readEveryNode(async (c, node) => {
        const events = (await c.call('LATENCY', 'LATEST')) as Array<[string, number, number, number]>;
        const before = this.thresholdBefore.get(node);
        if (before !== undefined) await c.config('SET', 'latency-monitor-threshold', before);
        return events;
      });
      for (const { node, value } of latest) {
        for (const [event, , latestMs, maxMs] of value) if (maxMs >= this.eventThresholdMs) latencyEvents.push({ event, latestMs: Number(latestMs), maxMs: Number(maxMs), node });
      }
      this.masters.close();
    }
    const read = this.shards.some((s) => s.masters.length > 0);
    const why = this.why ?? (read ? null : `the ${this.masters?.as ?? 'observer'} could not read INFO on any shard's master: ${this.shards.map((s) => `${s.name}: ${s.missedWhy ?? 'no answer'}`).join('; ')}`);
    return { measured: why === null, why, latencyEvents, latencyThresholdMs: this.thresholdMs, perSecond: this.perSecond, ...sumOverShards(this.shards) };
  }

  private async read(t: number | null): Promise<void> {
    const reads = await this.masters!.readAll(async (c, node) => {
      if (this.thresholdMs !== null && !this.thresholdBefore.has(node)) {
        // Ours: the latency monitor sees stalls that matter against the budget, from a clean slate.
        const before = (await c.config('GET', 'latency-monitor-threshold')) as string[];
        await c.config('SET', 'latency-monitor-threshold', String(this.thresholdMs));
        await c.call('LATENCY', 'RESET');
        this.thresholdBefore.set(node, before[1] ?? '0');
      }
      return c.info('all');
    });
    let calls = 0;
    let usec = 0;
    reads.forEach((r, k) => {
      const s = this.shards[k]!;
      if (r.error !== null) {
        s.missedSamples++;
        s.missedWhy = r.error;
        return;
      }
      const d = addReading(s, r.node, r.value);
      calls += d.calls;
      usec += d.usec;
    });
    if (t !== null && calls > 0) this.perSecond.push({ t, usecPerCall: Math.round((usec / calls) * 10) / 10 });
  }
}
