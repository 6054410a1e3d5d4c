import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, type Fault, type FaultCheck } from '../faults/fault.js';
import { aclServers, passwordGates, setUserRule } from './aclPasswords.js';
import { connectionsBy } from './clientList.js';
import { pollFor } from '../../waitUntil.js';

/** The servers' own users, and who logs in with each (compose/redis.conf.tmpl, compose/sentinel.conf.tmpl). */
type ServiceUser = 'replicator' | 'sentinel';

/** How long the servers get to log in again with the new password after their connections are dropped. */
const reconnectTimeoutMs = 10_000;

/**
 * What differs between the two service users: where the password is configured on the servers
 * that log in with it, how that is changed live, and how many connections they hold once back.
 */
const services: Record<ServiceUser, {
  clients: string;
  setting: string;
  /** Live change on the client side, persisted (CONFIG REWRITE; SENTINEL SET rewrites by itself). */
  configure(t: StartedTopology, password: string): Promise<void>;
  /** The files that hold the setting afterwards. */
  configFiles(t: StartedTopology): Array<{ name: string; file: string }>;
  /** Connections as this user across all nodes once every client is back. */
  expectedConnections(t: StartedTopology): number;
}> = {
  replicator: {
    clients: 'replica',
    setting: 'masterauth',
    // Every node, not only today's replicas: after a failover any of them may be one.
    configure: async (t, password) => {
      await Promise.all(t.nodes.filter((n) => n.isRunning()).map(async (n) => {
        await n.control().config('SET', 'masterauth', password);
        await n.control().config('REWRITE');
      }));
    },
    configFiles: (t) => t.nodes.map((n) => ({ name: n.name, file: n.record.configFile })),
    expectedConnections: (t) => t.nodes.length - 1,
  },
  sentinel: {
    clients: 'sentinel',
    setting: 'auth-pass',
    configure: async (t, password) => {
      await Promise.all(t.sentinels.filter((s) => s.isRunning()).map((s) => s.control().call('SENTINEL', 'SET', t.masterName, 'auth-pass', password)));
    },
    configFiles: (t) => t.sentinels.map((s) => ({ name: s.name, file: s.record.configFile })),
    // A command link and a pub/sub link from every sentinel to every node.
    expectedConnections: (t) => 2 * t.sentinels.length * t.nodes.length,
  },
};

/**
 * Rotating the password of a user the servers themselves log in with (docs/runbook.md, "Rotating
 * ACL passwords"): `replicator` (replicas to their master, `masterauth`) or `sentinel` (sentinels
 * to the nodes, `auth-pass`). Add the new password on every node, change the setting on the
 * servers that use it, retire the old password, drop their connections: each must log in again
 * with the new one. `updateClients: false` forgets the second step (the classic mistake): the
 * servers are locked out, which the reconnect gate shows; healing then applies the setting.
 */
export class RotateServicePassword implements Fault {
  readonly kind = 'rotate-service-password';
  private old = '';
  private next = '';
  private reconnect: { connections: number; expected: number; afterMs: number | null } | null = null;
  constructor(
    readonly user: ServiceUser,
    readonly updateClients: boolean,
  ) {}
  describe(): string {
    return `rotate the ${this.user} user's password on every node and its ${services[this.user].setting} under load${this.updateClients ? '' : ` (${services[this.user].setting} never updated)`}`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const service = services[this.user];
    this.old = t.credentials[this.user].password;
    this.next = randomBytes(18).toString('base64url');
    const nodes = aclServers(t, false);
    strike();
    await setUserRule(nodes, this.user, `>${this.next}`);
    await t.setPassword(this.user, this.next);
    if (this.updateClients) await service.configure(t, this.next);
    await setUserRule(nodes, this.user, `<${this.old}`);
    // The kill drops every connection of the user, so each one of it seen afterwards logged in
    // after the kill, when only the new password was left. Counting only connections newer than a
    // CLIENT LIST taken before the kill missed logins that raced it: a sentinel, reconnecting
    // because SENTINEL SET auth-pass dropped its links, was accepted before that list but sent
    // its AUTH after the kill, so the kill spared it (not yet the user) and its id was old.
    const listAll = (): Promise<string[]> => Promise.all(nodes.map(async (s) => String(await s.server.control().call('CLIENT', 'LIST'))));
    const killed = (await Promise.all(nodes.map(async (s) => Number(await s.server.control().call('CLIENT', 'KILL', 'USER', this.user))))).reduce((a, b) => a + b, 0);
    const expected = service.expectedConnections(t);
    let connections = 0;
    const back = await pollFor(async () => {
      const lists = await listAll();
      connections = lists.reduce((sum, l) => sum + (connectionsBy(l, 'user').get(this.user)?.length ?? 0), 0);
      return connections >= expected;
    }, reconnectTimeoutMs);
    const afterMs = back?.afterMs ?? null;
    this.reconnect = { connections, expected, afterMs };
    return `${this.user} password rotated on ${nodes.length} nodes${this.updateClients ? ` and in every ${service.setting}` : ''}; CLIENT KILL dropped ${killed} ${service.clients} connections; ${this.reconnect.connections} of ${expected} logged in again ${afterMs === null ? `after ${reconnectTimeoutMs} ms` : `within ${afterMs} ms`}`;
  }
  async heal(t: StartedTopology): Promise<void> {
    // The forgotten step, so the topology works again for whatever runs next.
    if (this.next && !this.updateClients) await services[this.user].configure(t, this.next);
  }
  async checks(t: StartedTopology): Promise<FaultCheck[]> {
    if (!this.next || !this.reconnect) return [];
    const service = services[this.user];
    const r = this.reconnect;
    const files = await Promise.all(service.configFiles(t).map(async (f) => ({ ...f, text: await readFile(f.file, 'utf8') })));
    const stale = files.filter((f) => !f.text.includes(this.next) || f.text.includes(this.old)).map((f) => f.name);
    return [
      ...(await passwordGates(t, aclServers(t, false), this.user, this.old, this.next)),
      {
        name: `every ${service.clients} logged in again with the new ${this.user} password`,
        limit: `${r.expected} connections within ${reconnectTimeoutMs} ms`,
        actual: r.afterMs === null ? `${r.connections} of ${r.expected} after ${reconnectTimeoutMs} ms` : `${r.connections} in ${r.afterMs} ms`,
        pass: r.afterMs !== null,
      },
      { name: `${service.setting} persisted with the new password only`, limit: `${files.length} config files`, actual: stale.length ? `old or missing in ${stale.join(', ')}` : `new in ${files.length}`, pass: stale.length === 0 },
    ];
  }
}

export const rotateServicePassword = defineFault({
  kind: 'rotate-service-password',
  attributes: { user: z.enum(['replicator', 'sentinel']), updateClients: z.boolean().default(true) },
  hitsDataPath: false,
  usesAppLinks: false,
  create: (f) => new RotateServicePassword(f.user, f.updateClients),
});
