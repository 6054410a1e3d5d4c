import { z } from 'zod';
import { sessionKey } from '../../load/session/sessionKeys.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, type Fault, type FaultContext } from './fault.js';

/**
 * Planted loss: deletes acknowledged, live session keys on the master behind the application's
 * back (an operator's stray DEL, a buggy migration). The app is not told; the ledger (and any
 * drill's restore taken afterwards) must report exactly these keys as lost. It proves, on the
 * deployment at hand, that the checks see a loss when there is one.
 */
export class DeleteAcknowledgedSessions implements Fault {
  readonly kind = 'delete-acknowledged-sessions';
  constructor(readonly sessions: number) {}
  describe(): string {
    return `delete ${this.sessions} acknowledged live session keys on the master behind the app's back`;
  }
  async inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    const m = await requireMaster(t);
    // Far from expiry, so a deleted key can only be a loss, never a legitimate expiry.
    const until = Date.now() + 60_000;
    const victims = [...ctx.ledger.records.values()].filter((r) => !r.sessionDeleted && !r.mayNotExist && !ctx.ledger.mayBeEnded(r) && r.sessionExpiresAt > until).slice(0, this.sessions);
    if (victims.length < this.sessions) throw new Error(`only ${victims.length} acknowledged live sessions to delete, ${this.sessions} asked`);
    const keys = victims.map((r) => sessionKey(r.uid, r.sid));
    strike();
    await m.control().del(...keys);
    return `deleted ${keys.length} acknowledged session keys on ${m.name}: ${keys.join(' ')}`;
  }
  async heal(): Promise<void> {}
}

// The app does not feel it (only the ledger must): no chaos window.
export const deleteAcknowledgedSessions = defineFault({
  kind: 'delete-acknowledged-sessions',
  attributes: { sessions: z.number().int().min(1).max(10_000) },
  hitsDataPath: false,
  usesAppLinks: false,
  create: (f) => new DeleteAcknowledgedSessions(f.sessions),
});
