import { Redis } from 'ioredis';
import type { SentinelEndpoint } from '../target/target.js';
import type { FailoverWatch, MasterChange, WatchEvent } from './failoverWatch.js';

/** A sentinel's event, as the failover report lists it. */
export type SentinelEvent = WatchEvent;

const interesting = new Set(['+sdown', '-sdown', '+odown', '-odown', '+try-failover', '+elected-leader', '+failover-state-select-slave', '+selected-slave', '+promoted-slave', '+switch-master', '+failover-end', '-failover-abort-no-good-slave', '+convert-to-slave', '+reboot']);

/** How often the sentinels are asked who the master is, besides listening to their events. */
const pollEveryMs = 500;

/**
 * Watches every reachable sentinel: subscribes to its event channels and asks it for the master
 * address every half second, so a failover is seen (and timed) whoever caused it: a chaos step,
 * a person killing the master, a provider's test failover; and also when an event was missed
 * (a pub/sub link dropped during the failover). For our own topologies the connections bypass the
 * proxies, so cut links never blind the watcher.
 */
export class SentinelWatch implements FailoverWatch {
  readonly events: SentinelEvent[] = [];
  readonly changes: MasterChange[] = [];
  private master: string | null = null;
  private readonly clients: Redis[] = [];
  /** One plain connection per sentinel for asking (a subscribed connection cannot run commands). */
  private readonly askers: Redis[] = [];
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly masterName: string,
    private readonly endpoints: readonly SentinelEndpoint[],
    private readonly clock: () => number,
  ) {}

  /** Subscribes where it can; a sentinel that does not answer now is simply not watched. Resolves with how many are. */
  async start(): Promise<number> {
    let watched = 0;
    for (const e of this.endpoints) {
      const asker = new Redis({ ...e.options, lazyConnect: true, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: false, retryStrategy: (n: number) => Math.min(n * 200, 1000) });
      asker.on('error', () => undefined);
      await asker.connect().catch(() => undefined);
      this.askers.push(asker);
      const c = new Redis({ ...e.options, lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000, maxRetriesPerRequest: 1, enableReadyCheck: false, retryStrategy: (n: number) => Math.min(n * 200, 1000) });
      c.on('error', () => undefined);
      c.on('pmessage', (_pattern: string, channel: string, message: string) => this.onEvent(e.name, channel, message));
      try {
        await c.connect();
        await c.psubscribe('*');
        this.clients.push(c);
        watched++;
      } catch {
        c.disconnect();
      }
    }
    this.master = await this.askMaster();
    this.timer = setInterval(() => void this.poll(), pollEveryMs);
    this.timer.unref();
    return watched;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of [...this.clients, ...this.askers]) c.disconnect();
  }

  /** Distinct master switches, in order. */
  switches(): MasterChange[] {
    return this.changes;
  }

  private onEvent(sentinel: string, channel: string, message: string): void {
    if (!interesting.has(channel)) return;
    const atMs = Math.round(this.clock());
    this.events.push({ t: new Date().toISOString(), atMs, sentinel, event: channel, detail: message });
    if (channel !== '+switch-master') return;
    // "<name> <old-ip> <old-port> <new-ip> <new-port>"
    const [name, , , ip, port] = message.split(' ');
    if (name === this.masterName && ip && port) this.noteMaster(`${ip}:${port}`, atMs, 'event');
  }

  private noteMaster(address: string, atMs: number, seenBy: MasterChange['seenBy']): void {
    if (address === this.master) return;
    // The first answer after a start where no sentinel answered is where we are, not a change.
    if (this.master === null && this.changes.length === 0 && seenBy === 'poll') {
      this.master = address;
      return;
    }
    this.changes.push({ atMs, from: this.master, to: address, seenBy });
    this.master = address;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = await this.askMaster();
      if (now) this.noteMaster(now, Math.round(this.clock()), 'poll');
    } finally {
      this.polling = false;
    }
  }

  /** The address most answering sentinels name now. */
  private async askMaster(): Promise<string | null> {
    const votes = new Map<string, number>();
    await Promise.all(
      this.askers.map(async (c) => {
        try {
          const addr = (await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName)) as [string, string] | null;
          if (addr) votes.set(`${addr[0]}:${addr[1]}`, (votes.get(`${addr[0]}:${addr[1]}`) ?? 0) + 1);
        } catch {
          // a sentinel that does not answer has no vote
        }
      }),
    );
    const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
    return best?.[0] ?? null;
  }
}
