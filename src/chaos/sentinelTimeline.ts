import type { Redis } from 'ioredis';
import type { StartedTopology } from '../topology/startedTopology.js';
import { directClient } from '../topology/redisProcess.js';

export interface SentinelEvent {
  t: string;
  /** ms since run start */
  atMs: number;
  sentinel: string;
  event: string;
  detail: string;
}

const interesting = new Set(['+sdown', '-sdown', '+odown', '-odown', '+try-failover', '+elected-leader', '+failover-state-select-slave', '+selected-slave', '+promoted-slave', '+switch-master', '+failover-end', '-failover-abort-no-good-slave', '+convert-to-slave', '+reboot']);

/**
 * Subscribes to every sentinel's event channels over the harness's own direct connections, so
 * the timeline keeps coming while proxies are cut.
 */
export class SentinelTimeline {
  readonly events: SentinelEvent[] = [];
  private readonly subscribers: Redis[] = [];

  constructor(private readonly t0: () => number) {}

  async start(topology: StartedTopology): Promise<void> {
    for (const s of topology.sentinels) {
      const c = directClient(s.controlPort, topology.adminAuth, `gauntlet-timeline:${s.name}`);
      c.on('pmessage', (_pattern: string, channel: string, message: string) => {
        if (!interesting.has(channel)) return;
        this.events.push({ t: new Date().toISOString(), atMs: Math.round(this.t0()), sentinel: s.name, event: channel, detail: message });
      });
      await c.psubscribe('*');
      this.subscribers.push(c);
    }
  }

  /** Distinct master switches (every sentinel announces each one). */
  failovers(): SentinelEvent[] {
    const seen = new Set<string>();
    return this.events.filter((e) => e.event === '+switch-master' && !seen.has(e.detail) && seen.add(e.detail) !== undefined);
  }

  stop(): void {
    for (const c of this.subscribers) c.disconnect();
  }
}
