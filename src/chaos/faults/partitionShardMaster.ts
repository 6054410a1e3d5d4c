import { setTimeout as sleep } from 'node:timers/promises';
import { durationSchema } from '../../inputValidation.js';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { whenItOutlastsDetection, defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/**
 * Cut one shard's master from the cluster bus (both ways, through the bus gates) and from its
 * replicas (its peer proxy) for `durationMs`, while clients still reach it through its app proxy:
 * a network partition with the master and its clients on the minority side. The other masters
 * flag it failing after cluster-node-timeout and its replica is promoted; the old master stops
 * taking writes once it sees it lost the majority (CLUSTERDOWN), and what it acknowledged before
 * that is lost when it rejoins as its successor's replica, unless the write waited for a replica
 * (durable mode), which it cannot reach.
 */
export class PartitionShardMaster implements Fault<StartedCluster> {
  readonly kind = 'partition-shard-master';
  private victim: RedisNodeHandle | null = null;
  constructor(
    readonly shard: number,
    readonly durationMs: number,
  ) {}
  describe(): string {
    return `cut the master of shard ${this.shard} from the cluster bus and its replicas for ${this.durationMs} ms; clients still reach it`;
  }
  precondition(t: StartedCluster): string | null {
    return shardPrecondition(t, this.shard, true) ?? (t.busGates ? null : 'the cluster was started before bus gates existed: restart it (gauntlet down, then up --cluster)');
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    const victim = await t.shardMaster(this.shard);
    this.victim = victim;
    strike(this.shard);
    await Promise.all([t.cutFromBus(victim), t.setProxyEnabled(victim.peerProxyName, false)]);
    await sleep(this.durationMs);
    await this.heal(t);
    return `partitioned ${victim.name}, master of ${t.shardName(this.shard)}, from the cluster bus and its replicas for ${this.durationMs} ms`;
  }
  async heal(t: StartedCluster): Promise<void> {
    if (!this.victim) return;
    await Promise.all([t.rejoinBus(this.victim), t.setProxyEnabled(this.victim.peerProxyName, true)]);
  }
}

export const partitionShardMaster = defineFault({
  kind: 'partition-shard-master',
  attributes: { ...shardAttribute, duration: durationSchema },
  hitsDataPath: true,
  failsOverMaster: whenItOutlastsDetection,
  usesAppLinks: false,
  topology: 'cluster',
  create: (f) => new PartitionShardMaster(f.shard, f.duration),
});
