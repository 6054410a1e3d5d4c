import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import { replicasFromInfo } from '../../topology/replicationInfo.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { always, defineFault, requireMaster, type Fault } from './fault.js';

/**
 * The safe maintenance failover: pause writes on the master (CLIENT PAUSE WRITE), wait until a
 * replica has the master's replication offset, SENTINEL FAILOVER, wait for the switch, unpause.
 * `safe: false` is the naive variant (SENTINEL FAILOVER at once) for comparison.
 */
export class PlannedFailover implements Fault {
  readonly kind = 'planned-failover';
  constructor(readonly safe: boolean) {}
  describe(): string {
    return this.safe ? 'pause writes, wait for a caught-up replica, SENTINEL FAILOVER' : 'SENTINEL FAILOVER without pausing writes (naive)';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const sentinel = t.sentinels.find((s) => s.isRunning());
    if (!sentinel) throw new Error('no running sentinel');
    strike();
    let caughtUpMs = 0;
    if (this.safe) {
      await m.control().call('CLIENT', 'PAUSE', '20000', 'WRITE');
      const started = Date.now();
      // Every replica, not just one: Sentinel picks the replica to promote by its own view.
      for (;;) {
        const info = await m.info('replication');
        const offset = Number(info.get('master_repl_offset'));
        const replicas = replicasFromInfo(info);
        if ((replicas.length > 0 && replicas.every((r) => r.offset >= offset)) || Date.now() - started > 10_000) break;
        await sleep(5);
      }
      caughtUpMs = Date.now() - started;
    }
    await sentinel.control().call('SENTINEL', 'FAILOVER', t.masterName);
    const deadline = Date.now() + 20_000;
    let promoted: RedisNodeHandle | null = null;
    while (Date.now() < deadline && !promoted) {
      const now = await t.currentMaster();
      if (now && now !== m) promoted = now;
      else await sleep(50);
    }
    if (this.safe) {
      // Writes queued by the pause must not run on the old master: demote it first (Sentinel
      // would convert it too, but only later), and release the pause only once it is a replica;
      // the queued writes then get READONLY and the clients retry on the new master.
      if (promoted) {
        const [host, port] = promoted.announcedAddress.split(':') as [string, string];
        await m.control().call('REPLICAOF', host, port);
        const until = Date.now() + 10_000;
        while ((await m.role()) !== 'replica' && Date.now() < until) await sleep(20);
      }
      await m.control().call('CLIENT', 'UNPAUSE').catch(() => undefined);
    }
    return this.safe ? `paused writes on ${m.name}, replica caught up in ${caughtUpMs} ms, failed over` : `failed over from ${m.name} without pausing writes`;
  }
  async heal(t: StartedTopology): Promise<void> {
    for (const n of t.nodes) if (n.isRunning()) await n.control().call('CLIENT', 'UNPAUSE').catch(() => undefined);
  }
}

export const plannedFailover = defineFault({ kind: 'planned-failover', attributes: { safe: z.boolean().default(true) }, hitsDataPath: true, failsOverMaster: always, usesAppLinks: false, create: (f) => new PlannedFailover(f.safe) });
