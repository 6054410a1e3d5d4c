import { z } from 'zod';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { pollFor } from '../../waitUntil.js';
import { always, defineFault, type Fault } from './fault.js';
import { shardAttribute, shardPrecondition } from './shardFault.js';

/** How long after the kill a promotion is awaited before the victim is restarted anyway: far beyond any node timeout we start with. */
const promotionWaitMs = 60_000;

/**
 * SIGKILL the master of one shard: its replica must be promoted. With `restart` (the default),
 * once the shard has a new master the victim is restarted on its own data, as a supervisor
 * (systemd, a StatefulSet) would: it rejoins as the new master's replica. Without that a shard of
 * one replica has none left, and in durable mode (min-replicas-to-write 1) the new master refuses
 * every write until the run ends. Healing restarts the victim if it is still down.
 */
export class KillShardMaster implements Fault<StartedCluster> {
  readonly kind = 'kill-shard-master';
  private victim: RedisNodeHandle | null = null;
  constructor(
    readonly shard: number,
    readonly restart: boolean,
  ) {}
  describe(): string {
    return `SIGKILL the master of shard ${this.shard}${this.restart ? ', restart it once its replica is promoted' : ''}`;
  }
  precondition(t: StartedCluster): string | null {
    return shardPrecondition(t, this.shard, true);
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    const victim = await t.shardMaster(this.shard);
    this.victim = victim;
    strike(this.shard);
    victim.signal('SIGKILL');
    const killed = `killed ${victim.name} (pid ${victim.pid}), master of ${t.shardName(this.shard)}`;
    if (!this.restart) return killed;
    const started = Date.now();
    const promoted = await pollFor(async () => {
      const m = (await t.shards())[this.shard]?.master;
      return m && m !== victim ? m : undefined;
    }, promotionWaitMs, 100);
    await t.restartNode(victim.name);
    return promoted
      ? `${killed}; ${promoted.value.name} promoted, ${victim.name} restarted ${Date.now() - started} ms after the kill`
      : `${killed}; no promotion within ${promotionWaitMs} ms, ${victim.name} restarted`;
  }
  async heal(t: StartedCluster): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

export const killShardMaster = defineFault({
  kind: 'kill-shard-master',
  attributes: { ...shardAttribute, restart: z.boolean().default(true) },
  hitsDataPath: true,
  failsOverMaster: always,
  usesAppLinks: false,
  topology: 'cluster',
  create: (f) => new KillShardMaster(f.shard, f.restart),
});
