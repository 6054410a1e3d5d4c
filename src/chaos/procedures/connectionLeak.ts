import { durationSchema } from '../../inputValidation.js';
import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import { hostPort, type StartedTopology } from '../../topology/startedTopology.js';
import { parseInfo } from '../../topology/replicationInfo.js';
import { defineFault, requireMaster, type Fault, type FaultCheck } from '../faults/fault.js';
import { connectionsBy } from './clientList.js';

const leakName = 'leaky-worker';

/**
 * A client leaking connections until the master's maxclients is reached (RedisTooManyConnections,
 * RedisRejectedConnections), and the runbook's response: `CLIENT LIST` grouped by connection name
 * finds the leaker, its connections are killed, the limit restored. maxclients is lowered to
 * the current count plus half the leak for the step, so the limit is reached with a few hundred
 * connections instead of ten thousand; the app's established connections keep working.
 */
export class ConnectionLeak implements Fault {
  readonly kind = 'connection-leak';
  private leaked: Redis[] = [];
  private master: RedisNodeHandle | null = null;
  private originalMaxclients: string | null = null;
  private found: { rejected: number; leaker: string; killed: number; before: number; after: number } | null = null;
  constructor(
    readonly connections: number,
    readonly holdMs: number,
  ) {}
  describe(): string {
    return `a client leaks ${this.connections} connections into the master's maxclients for ${this.holdMs} ms; found by CLIENT LIST name and killed`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    this.master = m;
    const c = m.control();
    const stats = async (): Promise<{ connected: number; rejected: number }> => {
      const info = parseInfo(await c.info());
      return { connected: Number(info.get('connected_clients')), rejected: Number(info.get('rejected_connections')) };
    };
    const before = await stats();
    this.originalMaxclients = ((await c.config('GET', 'maxclients')) as string[])[1] ?? null;
    await c.config('SET', 'maxclients', String(before.connected + Math.floor(this.connections / 2)));
    strike();
    const { host, port } = hostPort(m.record.appProxy);
    this.leaked = Array.from({ length: this.connections }, () => {
      const r = new Redis({ host, port, ...t.credentials.app, tls: t.adminAuth.tls, connectionName: leakName, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000 });
      r.on('error', () => undefined);
      return r;
    });
    await Promise.allSettled(this.leaked.map((r) => r.connect()));
    await sleep(this.holdMs);
    // The response: who holds the connections?
    const groups = connectionsBy(String(await c.call('CLIENT', 'LIST')), 'name');
    const [leaker, ids] = [...groups.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    for (const id of ids) await c.call('CLIENT', 'KILL', 'ID', id).catch(() => undefined);
    await this.heal();
    const after = await stats();
    this.found = { rejected: after.rejected - before.rejected, leaker, killed: ids.length, before: before.connected, after: after.connected };
    return `${this.found.rejected} connections rejected at maxclients; CLIENT LIST named "${leaker}" with ${ids.length} connections, killed; clients ${before.connected} before, ${after.connected} after`;
  }
  async heal(): Promise<void> {
    for (const r of this.leaked) r.disconnect();
    this.leaked = [];
    if (this.master && this.originalMaxclients) await this.master.control().config('SET', 'maxclients', this.originalMaxclients).catch(() => undefined);
  }
  async checks(): Promise<FaultCheck[]> {
    const f = this.found;
    return [
      { name: 'maxclients reached: connections rejected', limit: '> 0', actual: f ? String(f.rejected) : 'step did not run', pass: (f?.rejected ?? 0) > 0 },
      { name: 'the leaking client found by CLIENT LIST name', limit: leakName, actual: f?.leaker ?? 'step did not run', pass: f?.leaker === leakName },
      { name: 'connections back to normal after the response', limit: 'at most 5 more than before', actual: f ? `${f.before} before, ${f.after} after` : 'step did not run', pass: f !== null && f.after <= f.before + 5 },
    ];
  }
}

export const connectionLeak = defineFault({
  kind: 'connection-leak',
  attributes: { connections: z.number().int().min(10).max(5000).default(300), duration: durationSchema.default(3000) },
  // Hundreds of connections opened, listed and killed in a burst load the master's main thread:
  // the app's established connections keep working (its writes must go on, gated), but slower.
  hitsDataPath: true,
  usesAppLinks: false,
  create: (f) => new ConnectionLeak(f.connections, f.duration),
});
