import { setTimeout as sleep } from 'node:timers/promises';
import { durationSchema } from '../../inputValidation.js';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { whenItOutlastsDetection, defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/**
 * SIGSTOP one shard's master for `durationMs`, then SIGCONT. Longer than cluster-node-timeout
 * (plus the election) fails it over; the thawed old master learns of the newer epoch and
 * becomes its successor's replica.
 */
export class FreezeShardMaster implements Fault<StartedCluster> {
  readonly kind = 'freeze-shard-master';
  private victim: RedisNodeHandle | null = null;
  constructor(
    readonly shard: number,
    readonly durationMs: number,
  ) {}
  describe(): string {
    return `SIGSTOP the master of shard ${this.shard} for ${this.durationMs} ms`;
  }
  precondition(t: StartedCluster): string | null {
    return shardPrecondition(t, this.shard, true);
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    this.victim = await t.shardMaster(this.shard);
    strike(this.shard);
    this.victim.signal('SIGSTOP');
    await sleep(this.durationMs);
    this.victim.signal('SIGCONT');
    return `froze ${this.victim.name} (pid ${this.victim.pid}), master of ${t.shardName(this.shard)}, for ${this.durationMs} ms`;
  }
  async heal(): Promise<void> {
    if (this.victim?.isRunning()) this.victim.signal('SIGCONT');
  }
}

export const freezeShardMaster = defineFault({ kind: 'freeze-shard-master', attributes: { ...shardAttribute, duration: durationSchema }, hitsDataPath: true, failsOverMaster: whenItOutlastsDetection, usesAppLinks: false, topology: 'cluster', create: (f) => new FreezeShardMaster(f.shard, f.duration) });
