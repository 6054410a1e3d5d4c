import { z } from 'zod';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { pollFor } from '../../waitUntil.js';
import { always, defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/** A manual failover completes in well under a second when the replica is in sync; this bounds a stuck one. */
const promotionWaitMs = 20_000;

/**
 * The planned-maintenance failover of a cluster: CLUSTER FAILOVER on a replica of the shard. By
 * default coordinated: the master stops its clients, the replica catches up to the master's
 * offset, then takes the slots, and the old master's clients are redirected (MOVED) to it, so no
 * acknowledged write is lost. `force` skips the handshake with the master (what is left when the
 * master is unreachable) and may lose the writes the replica had not received.
 */
export class ClusterFailover implements Fault<StartedCluster> {
  readonly kind = 'cluster-failover';
  constructor(
    readonly shard: number,
    readonly force: boolean,
  ) {}
  describe(): string {
    return `CLUSTER FAILOVER${this.force ? ' FORCE' : ''} on a replica of shard ${this.shard}`;
  }
  precondition(t: StartedCluster): string | null {
    return shardPrecondition(t, this.shard, true);
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    const shard = (await t.shards())[this.shard];
    const replica = shard?.replicas.find((r) => r.isRunning());
    if (!shard?.master || !replica) throw new Error(`${t.shardName(this.shard)} has no master with a running replica`);
    const started = Date.now();
    strike(this.shard);
    await replica.control().call('CLUSTER', 'FAILOVER', ...(this.force ? ['FORCE'] : []));
    if (!(await pollFor(async () => (await replica.role()) === 'master', promotionWaitMs, 20))) throw new Error(`${replica.name} was not promoted within ${promotionWaitMs} ms of CLUSTER FAILOVER`);
    return `${replica.name} took ${t.shardName(this.shard)} over from ${shard.master.name} in ${Date.now() - started} ms (CLUSTER FAILOVER${this.force ? ' FORCE' : ''})`;
  }
  async heal(): Promise<void> {}
}

export const clusterFailover = defineFault({ kind: 'cluster-failover', attributes: { ...shardAttribute, force: z.boolean().default(false) }, hitsDataPath: true, failsOverMaster: always, usesAppLinks: false, topology: 'cluster', create: (f) => new ClusterFailover(f.shard, f.force) });
