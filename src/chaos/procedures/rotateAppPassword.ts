import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ThresholdResult } from '../../checks/thresholds.js';
import { tryPing } from '../../topology/redisProcess.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import type { Fault, FaultContext } from '../faults.js';

/** Where each server keeps its users: the nodes' ACL file, the sentinels' own config. */
function servers(t: StartedTopology): Array<{ name: string; port: number; usersFile: string; control: () => Redis; persist: string[] }> {
  return [
    ...t.nodes.filter((n) => n.isRunning()).map((n) => ({ name: n.name, port: n.controlPort, usersFile: join(n.record.dataDir, 'users.acl'), control: () => n.control(), persist: ['ACL', 'SAVE'] })),
    ...t.sentinels.filter((s) => s.isRunning()).map((s) => ({ name: s.name, port: s.controlPort, usersFile: s.record.configFile, control: () => s.control(), persist: ['SENTINEL', 'FLUSHCONFIG'] })),
  ];
}

const sha256 = (p: string): string => createHash('sha256').update(p).digest('hex');

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
    const all = servers(t);
    strike();
    const setAll = async (rule: string): Promise<void> => {
      await Promise.all(all.map(async (s) => {
        await s.control().call('ACL', 'SETUSER', 'app', rule);
        await s.control().call(...(s.persist as [string, ...string[]]));
      }));
    };
    await setAll(`>${this.next}`);
    await t.setPassword('app', this.next);
    for (const c of ctx.appClients) {
      c.options.password = this.next;
      c.options.sentinelPassword = this.next;
    }
    if (this.retireOld) await setAll(`<${this.old}`);
    const killed = await Promise.all(all.map(async (s) => Number(await s.control().call('CLIENT', 'KILL', 'USER', 'app'))));
    return `app password rotated on ${all.length} servers; ${killed.reduce((a, b) => a + b, 0)} app connections re-authenticated with the new one`;
  }
  async heal(): Promise<void> {}
  async gates(t: StartedTopology): Promise<ThresholdResult[]> {
    if (!this.next) return [];
    const tls = t.adminAuth.tls;
    const rows = await Promise.all(
      servers(t).map(async (s) => {
        const oldReply = await tryPing(s.port, { username: 'app', password: this.old, tls });
        const newReply = await tryPing(s.port, { username: 'app', password: this.next, tls });
        const stored = await readFile(s.usersFile, 'utf8');
        return { name: s.name, oldRefused: oldReply !== null && /WRONGPASS/.test(oldReply), newAccepted: newReply === null, persisted: stored.includes(sha256(this.next)) && !stored.includes(sha256(this.old)), newReply };
      }),
    );
    const failing = (pick: (r: (typeof rows)[number]) => boolean): string => rows.filter((r) => !pick(r)).map((r) => r.name).join(', ');
    return [
      { name: 'old app password refused (WRONGPASS) on every server', limit: `${rows.length} servers`, actual: failing((r) => r.oldRefused) ? `still accepted or other error on ${failing((r) => r.oldRefused)}` : `refused on ${rows.length}`, pass: rows.every((r) => r.oldRefused) },
      { name: 'new app password accepted on every server', limit: `${rows.length} servers`, actual: failing((r) => r.newAccepted) ? `refused on ${failing((r) => r.newAccepted)}: ${rows.find((r) => !r.newAccepted)?.newReply}` : `accepted on ${rows.length}`, pass: rows.every((r) => r.newAccepted) },
      { name: 'rotation persisted (ACL file, sentinel config): new hash only', limit: `${rows.length} servers`, actual: failing((r) => r.persisted) ? `not persisted on ${failing((r) => r.persisted)}` : `persisted on ${rows.length}`, pass: rows.every((r) => r.persisted) },
    ];
  }
}
