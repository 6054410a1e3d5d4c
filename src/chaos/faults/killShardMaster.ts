import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/** SIGKILL the master of one shard: its replica must be promoted; healing restarts the old master, which rejoins as the new master's replica. */
export class KillShardMaster implements Fault<StartedCluster> {
  readonly kind = 'kill-shard-master';
  private victim: RedisNodeHandle | null = null;
  constructor(readonly shard: number) {}
  describe(): string {
    return `SIGKILL the master of shard ${this.shard}`;
  }
  precondition(t: StartedCluster): string | null {
    return shardPrecondition(t, this.shard, true);
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    this.victim = await t.shardMaster(this.shard);
    strike(this.shard);
    this.victim.signal('SIGKILL');
    return `killed ${this.victim.name} (pid ${this.victim.pid}), master of ${t.shardName(this.shard)}`;
  }
  async heal(t: StartedCluster): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

export const killShardMaster = defineFault({ kind: 'kill-shard-master', attributes: shardAttribute, hitsDataPath: true, usesAppLinks: false, topology: 'cluster', create: (f) => new KillShardMaster(f.shard) });
