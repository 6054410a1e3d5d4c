import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import { hostPort } from '../../topology/runningTopology.js';
import type { StartedCluster } from '../../topology/startedCluster.js';
import { defineFault, type Fault } from './fault.js';

/** Keys per MIGRATE: small batches keep each MIGRATE (which blocks both nodes while it runs) short. */
const keysPerMigrate = 50;
const migrateTimeoutMs = 5000;

interface Move {
  slot: number;
  source: RedisNodeHandle;
  target: RedisNodeHandle;
  sourceId: string;
  targetId: string;
}

/**
 * Resharding under load, as `redis-cli --cluster reshard` does it, slot by slot: the target marks
 * the slot IMPORTING, the source MIGRATING; the source's keys in the slot move in batches with
 * MIGRATE (as admin, to the target's announced address, so it crosses the target's peer proxy);
 * then every master is told the slot's new owner (SETSLOT NODE). Meanwhile clients are sent to
 * the target with ASK for keys already moved, and get TRYAGAIN for a multi-key operation whose
 * keys are split between the two. The ledger then checks that nothing acknowledged was lost.
 * The slots moved are the first ones of the source shard's range (its edge), as a rebalance would.
 */
export class MigrateSlots implements Fault<StartedCluster> {
  readonly kind = 'migrate-slots';
  /** Slots started and not yet finished: what healing completes. */
  private readonly pending: Move[] = [];
  constructor(
    readonly from: number,
    readonly to: number,
    readonly slots: number,
  ) {}
  describe(): string {
    return `move ${this.slots} slots from shard ${this.from} to shard ${this.to} with MIGRATE under load`;
  }
  precondition(t: StartedCluster): string | null {
    const n = t.cluster.shards;
    if (this.from >= n || this.to >= n) return `the cluster has ${n} shards (0-${n - 1}); the experiment names shards ${this.from} and ${this.to}`;
    if (this.from === this.to) return 'migrate-slots needs two different shards';
    return null;
  }
  async inject(t: StartedCluster, strike: (shard?: number) => void): Promise<string> {
    const shards = await t.shards();
    const source = shards[this.from]?.master;
    const target = shards[this.to]?.master;
    const range = shards[this.from]?.slots[0];
    if (!source || !target || !range) throw new Error(`shard ${this.from} or ${this.to} has no master serving slots`);
    if (range[1] - range[0] + 1 <= this.slots) throw new Error(`shard ${this.from}'s first range (${range[0]}-${range[1]}) is not larger than ${this.slots} slots`);
    const [sourceId, targetId] = await Promise.all([source, target].map(async (n) => String(await n.control().call('CLUSTER', 'MYID'))));
    const started = Date.now();
    strike(this.from);
    let keys = 0;
    for (let slot = range[0]; slot < range[0] + this.slots; slot++) {
      const move: Move = { slot, source, target, sourceId: sourceId!, targetId: targetId! };
      this.pending.push(move);
      keys += await this.moveSlot(t, move);
      this.pending.pop();
    }
    return `moved slots ${range[0]}-${range[0] + this.slots - 1} (${keys} keys) from ${source.name} (shard ${this.from}) to ${target.name} (shard ${this.to}) in ${Date.now() - started} ms`;
  }
  async heal(t: StartedCluster): Promise<void> {
    // A move cut short (the run ended, a node answered late): finish it, so no slot stays half-moved.
    for (const m of this.pending.splice(0)) await this.moveSlot(t, m).catch(() => undefined);
  }

  private async moveSlot(t: StartedCluster, m: Move): Promise<number> {
    const src = m.source.control();
    const dst = m.target.control();
    const slot = String(m.slot);
    await dst.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', m.sourceId);
    await src.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', m.targetId);
    const { host, port } = hostPort(m.target.announcedAddress);
    const admin = t.adminAuth;
    let moved = 0;
    for (;;) {
      const keys = (await src.call('CLUSTER', 'GETKEYSINSLOT', slot, String(keysPerMigrate))) as string[];
      if (keys.length === 0) break;
      await src.call('MIGRATE', host, String(port), '', '0', String(migrateTimeoutMs), 'AUTH2', admin.username, admin.password, 'KEYS', ...keys);
      moved += keys.length;
    }
    // The target first: once the source lets go, clients must find the slot taken.
    await dst.call('CLUSTER', 'SETSLOT', slot, 'NODE', m.targetId);
    await src.call('CLUSTER', 'SETSLOT', slot, 'NODE', m.targetId);
    await Promise.all(
      (await otherMasters(t, [m.source, m.target])).map((c) => c.call('CLUSTER', 'SETSLOT', slot, 'NODE', m.targetId).catch(() => undefined)),
    );
    return moved;
  }
}

/** The other masters' control connections: told the new owner at once rather than by gossip. */
async function otherMasters(t: StartedCluster, except: readonly RedisNodeHandle[]): Promise<Redis[]> {
  return (await t.shards()).flatMap((s) => (s.master && !except.includes(s.master) ? [s.master.control()] : []));
}

export const migrateSlots = defineFault({
  kind: 'migrate-slots',
  attributes: { from: z.number().int().nonnegative().default(0), to: z.number().int().nonnegative().default(1), slots: z.number().int().positive().max(4096).default(8) },
  hitsDataPath: true,
  usesAppLinks: false,
  topology: 'cluster',
  create: (f) => new MigrateSlots(f.from, f.to, f.slots),
});
