import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/** SIGKILL one replica of a shard; healing restarts it and it resyncs. Writes go on; no failover. */
export class KillShardReplica implements Fault<StartedCluster> {
  readonly kind = 'kill-shard-replica';
  private victim: RedisNodeHandle | null = null;
  constructor(readonly shard: number) {}
  describe(): string {
    return `SIGKILL a replica of shard ${this.shard}`;
  }
  precondition(t: StartedCluster): string | null {
    return shardPrecondition(t, this.shard, false) ?? (t.cluster.replicasPerShard < 1 ? 'the cluster has no replicas to kill (--replicas-per-shard 0)' : null);
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    const shard = (await t.shards())[this.shard];
    const victim = shard?.replicas.find((r) => r.isRunning());
    if (!victim) throw new Error(`${t.shardName(this.shard)} has no running replica`);
    this.victim = victim;
    strike(this.shard);
    victim.signal('SIGKILL');
    return `killed ${victim.name} (pid ${victim.pid}), replica of ${t.shardName(this.shard)}`;
  }
  async heal(t: StartedCluster): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

export const killShardReplica = defineFault({ kind: 'kill-shard-replica', attributes: shardAttribute, hitsDataPath: false, usesAppLinks: false, topology: 'cluster', create: (f) => new KillShardReplica(f.shard) });
