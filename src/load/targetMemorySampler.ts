import { Redis } from 'ioredis';
import type { Target } from '../target/target.js';
import { parseInfo } from '../topology/replicationInfo.js';
import { firstLine } from '../errors.js';
import { ShardMasters } from './shardMasters.js';
import { ShardMemorySum, type ShardMemory } from './shardMemorySum.js';

export interface MemorySample {
  t: number;
  usedBytes: number;
}

export interface TargetMemory {
  startBytes: number | null;
  peakBytes: number | null;
  samples: MemorySample[];
  /** Why nothing was measured (no user may read INFO, or INFO failed); null or absent when something was. */
  notMeasured?: string | null;
  /** A cluster: each shard's master (the figures above are their sum per second); null or absent otherwise. */
  byShard?: ShardMemory[] | null;
}

/**
 * used_memory less the replication backlog (INFO memory), bytes; null when used_memory is missing.
 * The backlog is a ring of fixed size (repl-backlog-size) that fills with the first writes after a
 * replica connects: counted, it would read as memory the sessions take.
 */
export function usedMemoryLessBacklog(info: ReadonlyMap<string, string>): number | null {
  const used = Number(info.get('used_memory') ?? Number.NaN);
  if (!Number.isFinite(used)) return null;
  const backlog = Number(info.get('mem_replication_backlog') ?? 0);
  return used - (Number.isFinite(backlog) ? backlog : 0);
}

/**
 * The master's used_memory, less its replication backlog, once a second (INFO memory), on a
 * connection of its own so a slow answer never holds up the load, as the user the target names
 * for INFO (an external target's audit user when it has one). Where nobody may read INFO it is "not measured", with why.
 * On a cluster: every shard's current master (ShardMasters follows failovers), summed per second (ShardMemorySum).
 */
export class TargetMemorySampler {
  private readonly client: Redis | null;
  private readonly as: string;
  private lastError: string | null = null;
  readonly memory: TargetMemory = { startBytes: null, peakBytes: null, samples: [], notMeasured: null };

  private readonly cluster: Target | null;
  private shards: { masters: ShardMasters; sum: ShardMemorySum } | null = null;

  constructor(target: Target) {
    this.cluster = target.clusterAccess?.() ? target : null;
    if (this.cluster) {
      this.client = null;
      this.as = '';
      return;
    }
    const access = target.infoAccess();
    if (access.options === null) {
      this.client = null;
      this.as = '';
      this.memory.notMeasured = access.why;
      return;
    }
    this.as = access.as;
    // No ready check: it is INFO too, and its refusal would only add a warning per connect.
    this.client = new Redis({ ...access.options, lazyConnect: false, enableReadyCheck: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'gauntlet-memory' });
    this.client.on('error', () => undefined);
  }

  async start(): Promise<void> {
    if (this.cluster) return this.startShards(this.cluster);
    this.memory.startBytes = await this.usedMemory();
    this.memory.peakBytes = this.memory.startBytes;
  }

  async sample(t: number): Promise<void> {
    if (this.shards) return this.sampleShards(t, this.shards);
    const used = await this.usedMemory();
    if (used === null) return;
    this.memory.samples.push({ t, usedBytes: used });
    this.memory.peakBytes = Math.max(this.memory.peakBytes ?? 0, used);
  }

  close(): void {
    if (this.shards) {
      this.shards.masters.close();
      this.memory.notMeasured = this.shards.sum.notMeasured(this.shards.masters.as);
    }
    this.client?.disconnect();
    if (this.memory.startBytes === null && this.memory.samples.length === 0) this.memory.notMeasured ??= `the ${this.as} could not read INFO memory: ${this.lastError ?? 'no answer'}`;
  }

  private async startShards(target: Target): Promise<void> {
    const masters = await ShardMasters.open(target);
    if ('why' in masters) {
      this.memory.notMeasured = masters.why;
      return;
    }
    this.shards = { masters, sum: new ShardMemorySum(masters.names) };
    this.memory.byShard = this.shards.sum.shards;
    await this.sampleShards(null, this.shards);
  }

  private async sampleShards(t: number | null, s: { masters: ShardMasters; sum: ShardMemorySum }): Promise<void> {
    const reads = await s.masters.readAll(async (c) => usedMemoryLessBacklog(parseInfo(await c.info('memory'))));
    s.sum.add(t, reads.map((r) => (r.value !== null ? { bytes: r.value } : { why: r.error ?? 'no used_memory in INFO memory' })));
    this.memory.startBytes = s.sum.startBytes;
    this.memory.peakBytes = s.sum.peakBytes;
    this.memory.samples = s.sum.samples;
  }

  private async usedMemory(): Promise<number | null> {
    if (!this.client) return null;
    try {
      return usedMemoryLessBacklog(parseInfo(await this.client.info('memory')));
    } catch (e) {
      this.lastError = firstLine(e);
      return null;
    }
  }
}
