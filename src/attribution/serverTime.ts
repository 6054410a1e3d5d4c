import { Redis, type RedisOptions } from 'ioredis';
import type { Target } from '../target/target.js';
import { withTimeout } from '../waitUntil.js';
import { firstLine } from '../errors.js';
import { CounterDeltas, parseCounters, perCommandOf } from './serverCounters.js';
import { ShardServerTimeSampler, type ShardServerTime } from './shardServerTime.js';

/** The master's own account of its time during the run. */
export interface ServerTime {
  /** false: the target's user may not read INFO (the report says "not measured" and why). */
  measured: boolean;
  why: string | null;
  /** Per command the workload sent: calls during the run and the server's time per call (INFO commandstats deltas). */
  perCommand: Array<{ command: string; calls: number; usecPerCall: number }>;
  /** LATENCY LATEST at the end of the run: events at or above the run's latency-monitor-threshold; on a cluster, of every master, naming its node. */
  latencyEvents: Array<{ event: string; latestMs: number; maxMs: number; node?: string }>;
  latencyThresholdMs: number | null;
  /** Forks (BGSAVE, AOF rewrite) during the run and the last one's duration; writes whose fsync waited on the disk. */
  forks: number;
  latestForkUs: number;
  aofDelayedFsync: number;
  /** Per second: the server's time per call across the workload's commands. */
  perSecond: Array<{ t: number; usecPerCall: number }>;
  /** A cluster: each shard's masters' figures (the fields above are their sums); null or absent otherwise. */
  byShard?: ShardServerTime[] | null;
}

/**
 * Samples the master once a second (INFO commandstats, stats, persistence) on a connection of
 * its own, and reads LATENCY LATEST at the end, so a p99 can be set beside the server's own time.
 * On a topology gauntlet controls it uses the admin control connection of whichever node is
 * master, and sets latency-monitor-threshold for the run (put back afterwards); on an external
 * target it reads as the target's audit user when it names one, else as the app user, and says
 * "not measured" (and why) where neither may run INFO. On a cluster, every shard's master
 * (ShardServerTimeSampler).
 */
export class ServerTimeSampler {
  private client: Redis | null = null;
  private node = '';
  private readonly counters = new CounterDeltas();
  private shards: ShardServerTimeSampler | null = null;
  private readonly perSecond: ServerTime['perSecond'] = [];
  private why: string | null = null;
  private thresholdBefore: string | null = null;
  private thresholdMs: number | null = null;

  constructor(
    private readonly target: Target,
    /** Latency events below this are not kept: a quarter of the p99 budget. */
    private readonly eventThresholdMs: number,
  ) {}

  async start(): Promise<void> {
    if (this.target.clusterAccess?.()) {
      this.shards = new ShardServerTimeSampler(this.target, this.eventThresholdMs);
      return this.shards.start();
    }
    const access = this.target.topology ? null : this.target.infoAccess();
    if (access && access.options === null) {
      this.why = access.why;
      return;
    }
    try {
      await withTimeout(this.connect(access?.options), 10_000, 'the master did not answer');
      const c = this.client!;
      if (this.target.topology) {
        // Ours: make the latency monitor see stalls that matter against the budget, from a clean slate.
        const before = (await c.config('GET', 'latency-monitor-threshold')) as string[];
        this.thresholdBefore = before[1] ?? null;
        this.thresholdMs = Math.max(1, Math.floor(this.eventThresholdMs));
        await c.config('SET', 'latency-monitor-threshold', String(this.thresholdMs));
        await c.call('LATENCY', 'RESET');
      }
      this.counters.add(parseCounters(this.node, await c.info('all')));
    } catch (e) {
      this.why = `the ${access?.as ?? 'admin user'} may not read the server's figures (${firstLine(e)})`;
      this.client?.disconnect();
      this.client = null;
    }
  }

  /** After each second of load. */
  async sample(t: number): Promise<void> {
    if (this.shards) return this.shards.sample(t);
    if (!this.client || this.why) return;
    try {
      if (this.target.topology) await withTimeout(this.followMaster(), 3000);
      const { calls, usec } = this.counters.add(parseCounters(this.node, await this.client!.info('all')));
      if (calls > 0) this.perSecond.push({ t, usecPerCall: Math.round((usec / calls) * 10) / 10 });
    } catch {
      // a master in the middle of a failover: the next second tries again
    }
  }

  async finish(): Promise<ServerTime> {
    if (this.shards) return this.shards.finish();
    const latencyEvents: ServerTime['latencyEvents'] = [];
    if (this.client && !this.why) {
      try {
        if (this.target.topology) await withTimeout(this.followMaster(), 5000);
        const latest = (await withTimeout(this.client.call('LATENCY', 'LATEST'), 5000)) as Array<[string, number, number, number]>;
        for (const [event, , latestMs, maxMs] of latest) if (maxMs >= this.eventThresholdMs) latencyEvents.push({ event, latestMs: Number(latestMs), maxMs: Number(maxMs) });
        if (this.thresholdBefore !== null) await this.client.config('SET', 'latency-monitor-threshold', this.thresholdBefore);
      } catch {
        // reported as far as it got
      }
    }
    this.client?.disconnect();
    this.client = null;
    return {
      measured: this.why === null,
      why: this.why,
      perCommand: perCommandOf(this.counters.totals),
      latencyEvents,
      latencyThresholdMs: this.thresholdMs,
      forks: this.counters.forks,
      latestForkUs: this.counters.latestForkUs,
      aofDelayedFsync: this.counters.aofDelayedFsync,
      perSecond: this.perSecond,
    };
  }

  /** `external`: how an external target's INFO is read (the access `start` asked for). */
  private async connect(external: RedisOptions | undefined): Promise<void> {
    const t = this.target;
    if (t.topology) {
      await this.followMaster();
      if (!this.client) throw new Error('no master');
      return;
    }
    this.client = new Redis({ ...(external ?? t.clientOptions()), lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'gauntlet-server-time', enableReadyCheck: false });
    this.client.on('error', () => undefined);
    await this.client.connect();
    this.node = 'master';
  }

  /** Our topology: the admin connection of whichever node the sentinels name master now. */
  private async followMaster(): Promise<void> {
    const m = await this.target.topology!.currentMaster();
    if (!m || m.name === this.node) return;
    this.client?.disconnect();
    const auth = this.target.topology!.adminAuth;
    this.client = new Redis({ host: '127.0.0.1', port: m.controlPort, username: auth.username, password: auth.password, tls: auth.tls, lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'gauntlet-server-time', enableReadyCheck: false });
    this.client.on('error', () => undefined);
    await this.client.connect();
    this.node = m.name;
    this.counters.reset();
  }
}
