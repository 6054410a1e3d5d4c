import { z } from 'zod';
import { sessionKey } from '../../load/session/sessionKeys.js';
import { servesSlot } from '../../topology/clusterNodes.js';
import { keySlot } from '../../topology/hashSlot.js';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { AnyTopology } from '../../topology/openTopology.js';
import { StartedCluster } from '../../topology/startedCluster.js';
import { defineFault, requireMaster, type Fault, type FaultContext } from './fault.js';

/**
 * Planted loss: deletes acknowledged, live session keys on the master behind the application's
 * back (an operator's stray DEL, a buggy migration). The app is not told; the ledger (and any
 * drill's restore taken afterwards) must report exactly these keys as lost. It proves, on the
 * deployment at hand, that the checks see a loss when there is one.
 */
export class DeleteAcknowledgedSessions implements Fault<AnyTopology> {
  readonly kind = 'delete-acknowledged-sessions';
  constructor(readonly sessions: number) {}
  describe(): string {
    return `delete ${this.sessions} acknowledged live session keys on the master behind the app's back`;
  }
  async inject(t: AnyTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    // Far from expiry, so a deleted key can only be a loss, never a legitimate expiry.
    const until = Date.now() + 60_000;
    const victims = [...ctx.ledger.records.values()].filter((r) => !r.sessionDeleted && !r.mayNotExist && !ctx.ledger.mayBeEnded(r) && r.sessionExpiresAt > until).slice(0, this.sessions);
    if (victims.length < this.sessions) throw new Error(`only ${victims.length} acknowledged live sessions to delete, ${this.sessions} asked`);
    const keys = victims.map((r) => sessionKey(r.uid, r.sid));
    // On a cluster, each key on the master that owns its slot.
    const byMaster = new Map<RedisNodeHandle, string[]>();
    const shards = t instanceof StartedCluster ? await t.shards() : null;
    const master = shards ? null : await requireMaster(t as Exclude<AnyTopology, StartedCluster>);
    for (const k of keys) {
      const slot = keySlot(k);
      const m = master ?? shards?.find((s) => servesSlot(s.slots, slot))?.master;
      if (!m) throw new Error(`no master serves slot ${slot} of ${k}`);
      byMaster.set(m, [...(byMaster.get(m) ?? []), k]);
    }
    strike();
    // One DEL per key: a cluster node refuses a DEL of keys in different slots (CROSSSLOT).
    for (const [m, ks] of byMaster) {
      const p = m.control().pipeline();
      for (const k of ks) p.del(k);
      const failed = ((await p.exec()) ?? []).find(([e]) => e);
      if (failed) throw failed[0]!;
    }
    return `deleted ${keys.length} acknowledged session keys on ${[...byMaster].map(([m, ks]) => `${m.name} (${ks.length})`).join(', ')}: ${keys.join(' ')}`;
  }
  async heal(): Promise<void> {}
}

// The app does not feel it (only the ledger must): no chaos window.
export const deleteAcknowledgedSessions = defineFault({
  kind: 'delete-acknowledged-sessions',
  attributes: { sessions: z.number().int().min(1).max(10_000) },
  hitsDataPath: false,
  usesAppLinks: false,
  topology: 'either',
  create: (f) => new DeleteAcknowledgedSessions(f.sessions),
});
