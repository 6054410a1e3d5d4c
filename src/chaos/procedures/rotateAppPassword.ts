import { Redis } from 'ioredis';
import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, type Fault, type FaultCheck, type FaultContext } from '../faults/fault.js';
import { aclServers, passwordGates, setUserRule } from './aclPasswords.js';

/**
 * Rotating the application's password without downtime (docs/runbook.md, "Rotating ACL
 * passwords"): add the new password beside the old one on every node and sentinel and persist
 * it; roll the application onto it (here: the running clients are reconfigured, as a deploy
 * would); remove the old password; drop the app's connections so each one re-authenticates
 * with the new password at once instead of whenever it next reconnects.
 */
export class RotateAppPassword implements Fault {
  readonly kind = 'rotate-app-password';
  private old = '';
  private next = '';
  /** `retireOld: false` is the incomplete procedure (new password added, old one never removed), for comparison. */
  constructor(readonly retireOld: boolean) {}
  describe(): string {
    return `rotate the app user's password on every node and sentinel under load, with both valid during the roll${this.retireOld ? '' : ' (old password never retired)'}`;
  }
  async inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    this.old = t.credentials.app.password;
    this.next = randomBytes(18).toString('base64url');
    const all = aclServers(t, true);
    strike();
    await setUserRule(all, 'app', `>${this.next}`);
    await t.setPassword('app', this.next);
    // Sentinel clients only: this procedure rotates a Sentinel topology's passwords.
    for (const c of ctx.appClients) {
      if (!(c instanceof Redis)) continue;
      c.options.password = this.next;
      c.options.sentinelPassword = this.next;
    }
    if (this.retireOld) await setUserRule(all, 'app', `<${this.old}`);
    const killed = await Promise.all(all.map(async (s) => Number(await s.server.control().call('CLIENT', 'KILL', 'USER', 'app'))));
    return `app password rotated on ${all.length} servers; ${killed.reduce((a, b) => a + b, 0)} app connections re-authenticated with the new one`;
  }
  async heal(): Promise<void> {}
  async checks(t: StartedTopology): Promise<FaultCheck[]> {
    if (!this.next) return [];
    return passwordGates(t, aclServers(t, true), 'app', this.old, this.next);
  }
}

// Its last step drops every app connection on purpose (CLIENT KILL USER app): the app feels the reconnect.
export const rotateAppPassword = defineFault({ kind: 'rotate-app-password', attributes: { retireOld: z.boolean().default(true) }, hitsDataPath: true, usesAppLinks: false, usesAppClients: true, create: (f) => new RotateAppPassword(f.retireOld) });
