import { lookup } from 'node:dns/promises';
import { Redis } from 'ioredis';
import type { PlainEndpoint } from '../target/target.js';
import { fieldsOf, parseInfo } from '../topology/replicationInfo.js';
import { EndpointLead, type EndpointObservation } from './endpointLead.js';
import type { FailoverWatch, MasterChange, WatchEvent } from './failoverWatch.js';

/** How often the endpoint is asked, as the sentinels are. */
const pollEveryMs = 500;

const plainIp = (ip: string): string => ip.replace(/^::ffff:/, '');

/**
 * Watches a plain endpoint (ElastiCache / MemoryDB primary endpoint, a standalone primary) from
 * the client's side, where no sentinel tells: every half second it resolves the endpoint's name,
 * asks the server there for its ROLE and, where INFO is allowed, its master_replid.
 * EndpointLead turns that into master changes (a provider's failover moves the name to the
 * promoted replica, which starts a new replication id; a primary demoted in place answers as a
 * replica). The connection follows the name: when it resolves elsewhere, the watch reconnects.
 */
export class EndpointWatch implements FailoverWatch {
  readonly events: WatchEvent[] = [];
  readonly changes: MasterChange[] = [];
  private readonly lead = new EndpointLead();
  private client: Redis | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readsInfo: boolean;
  private previous: EndpointObservation | null = null;
  private lastRole: EndpointObservation['role'] = 'unknown';
  private reachable = true;

  constructor(
    private readonly endpoint: PlainEndpoint,
    private readonly clock: () => number,
  ) {
    this.readsInfo = endpoint.readsInfo;
  }

  async start(): Promise<number> {
    this.client = new Redis({
      ...this.endpoint.options,
      lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: false,
      connectionName: 'gauntlet-endpoint-watch', retryStrategy: (n: number) => Math.min(n * 200, 1000),
    });
    this.client.on('error', () => undefined);
    const connected = await this.client.connect().then(() => true, () => false);
    await this.poll();
    this.timer = setInterval(() => void this.poll(), pollEveryMs);
    this.timer.unref();
    return connected ? 1 : 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.client?.disconnect();
  }

  private async poll(): Promise<void> {
    if (this.polling || !this.client) return;
    this.polling = true;
    try {
      const o = await this.observe(this.client);
      if (!o) return;
      const atMs = Math.round(this.clock());
      this.note(o, atMs);
      const change = this.lead.observe(o, atMs);
      if (change) this.changes.push(change);
    } finally {
      this.polling = false;
    }
  }

  /** null: the name does not resolve (nothing can be said this round). */
  private async observe(c: Redis): Promise<EndpointObservation | null> {
    const resolved = await lookup(this.endpoint.host).catch(() => null);
    if (!resolved) return null;
    const address = `${plainIp(resolved.address)}:${this.endpoint.port}`;
    const unknown: EndpointObservation = { address, role: 'unknown', replicaOf: null, replid: null };
    if (c.status !== 'ready') return unknown;
    const socketIp = c.stream?.remoteAddress;
    if (socketIp && plainIp(socketIp) !== plainIp(resolved.address)) {
      // The name moved; this connection still reaches the old server. Follow the name.
      c.disconnect(true);
      return unknown;
    }
    try {
      const { role, replicaOf } = await this.role(c);
      let replid: string | null = null;
      if (this.readsInfo) {
        replid = await c.info('replication').then(
          (text) => parseInfo(text).get('master_replid') ?? null,
          (e: Error) => {
            if (/NOPERM/i.test(e.message)) this.readsInfo = false;
            return null;
          },
        );
      }
      return { address, role, replicaOf, replid };
    } catch {
      return unknown;
    }
  }

  /** ROLE; where the user may not run it, HELLO's role field (every client may send HELLO). */
  private async role(c: Redis): Promise<Pick<EndpointObservation, 'role' | 'replicaOf'>> {
    const reply = await c.call('ROLE').catch(async (e: Error) => {
      if (!/NOPERM/i.test(e.message)) throw e;
      return [fieldsOf(await c.call('HELLO')).get('role')];
    });
    const [kind, host, port] = reply as [string, string?, number?];
    if (kind === 'master') return { role: 'master', replicaOf: null };
    if (kind === 'slave' || kind === 'replica') return { role: 'replica', replicaOf: host !== undefined && port !== undefined ? `${host}:${port}` : null };
    return { role: 'unknown', replicaOf: null };
  }

  /** Events for the report: what changed since the previous poll, as it was seen. */
  private note(o: EndpointObservation, atMs: number): void {
    const add = (event: string, detail: string): void => void this.events.push({ t: new Date().toISOString(), atMs, sentinel: `endpoint ${this.endpoint.name}`, event, detail });
    const p = this.previous;
    const answered = o.role !== 'unknown';
    if (!answered && this.reachable) add('endpoint-unreachable', `${o.address} did not answer`);
    if (answered && !this.reachable) add('endpoint-reachable', `${o.address} answers again`);
    this.reachable = answered;
    if (p && p.address !== o.address) add('endpoint-address', `${this.endpoint.host} resolves to ${o.address} (was ${p.address})`);
    if (answered && this.lastRole !== 'unknown' && o.role !== this.lastRole) add('endpoint-role', `${o.address} is now a ${o.role}${o.replicaOf ? ` of ${o.replicaOf}` : ''} (was ${this.lastRole})`);
    if (answered && p?.replid && o.replid && p.replid !== o.replid) add('endpoint-replid', `master_replid ${o.replid} (was ${p.replid})`);
    if (answered) this.lastRole = o.role;
    this.previous = answered ? o : { ...o, replid: p?.replid ?? null };
  }
}
