import { setTimeout as sleep } from 'node:timers/promises';
import { durationSchema } from '../../inputValidation.js';
import { parseClusterNodes } from '../../topology/clusterNodes.js';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/**
 * An address outgoing connections cannot be bound to while they go to 127.0.0.1: every connect
 * the node starts fails at bind time, so it cannot reach any other node's bus.
 */
const unusableSource = '::1';

/**
 * Partition one shard's master from the cluster bus and its replicas for `durationMs`, while
 * clients still reach it through its app proxy: the split-brain case of a cluster. Both bus
 * directions must go: the other nodes reach it through its `node-i-bus` proxy (cut, with its peer
 * proxy, which its replicas replicate through), and it reaches them through theirs, which other
 * nodes share; so its own outgoing connections are made to fail instead (bind-source-addr set to
 * an address that cannot reach 127.0.0.1) and the ones it has are closed (DEBUG CLUSTERLINK KILL
 * TO). A one-way cut does nothing: nodes count any packet from a node as a sign of life.
 * The majority fails it over after cluster-node-timeout; the old master stops taking writes once
 * it has not reached a majority for that long. What it acknowledged in between is lost when it
 * rejoins as a replica.
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
    return shardPrecondition(t, this.shard, true);
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    const m = await t.shardMaster(this.shard);
    this.victim = m;
    const c = m.control();
    const links = parseClusterNodes(String(await c.call('CLUSTER', 'NODES'))).filter((n) => !n.myself && n.linkConnected);
    strike(this.shard);
    await Promise.all([t.setProxyEnabled(t.busProxyName(m), false), t.setProxyEnabled(m.peerProxyName, false)]);
    await c.config('SET', 'bind-source-addr', unusableSource);
    // Only links that exist: Redis 7.0.15 crashes on DEBUG CLUSTERLINK KILL of a link it does not have.
    for (const n of links) await c.call('DEBUG', 'CLUSTERLINK', 'KILL', 'TO', n.id).catch(() => undefined);
    await sleep(this.durationMs);
    await this.reconnect(t);
    return `partitioned ${m.name}, master of ${t.shardName(this.shard)}, from the cluster bus and its replicas for ${this.durationMs} ms`;
  }
  async heal(t: StartedCluster): Promise<void> {
    await this.reconnect(t);
  }

  private async reconnect(t: StartedCluster): Promise<void> {
    const m = this.victim;
    if (!m) return;
    if (m.isRunning()) await m.control().config('SET', 'bind-source-addr', '').catch(() => undefined);
    await Promise.all([t.setProxyEnabled(t.busProxyName(m), true), t.setProxyEnabled(m.peerProxyName, true)]).catch(() => undefined);
  }
}

export const partitionShardMaster = defineFault({ kind: 'partition-shard-master', attributes: { ...shardAttribute, duration: durationSchema }, hitsDataPath: true, usesAppLinks: false, topology: 'cluster', create: (f) => new PartitionShardMaster(f.shard, f.duration) });
