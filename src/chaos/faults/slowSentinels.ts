import { z } from 'zod';
import { durationSchema } from '../../inputValidation.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault } from './fault.js';
import { holdToxics, ProxyFault } from './proxyFault.js';

/**
 * Latency on every sentinel's app link for `durationMs`: what clients see of sentinels in a far
 * zone. Sentinels still talk to each other and to the nodes directly, so failover is unaffected;
 * only the clients' master look-ups and +switch-master subscriptions are slow.
 */
export class SlowSentinels extends ProxyFault {
  readonly kind = 'slow-sentinels';
  constructor(
    readonly latencyMs: number,
    readonly durationMs: number,
  ) {
    super();
  }
  describe(): string {
    return `${this.latencyMs} ms on every sentinel's app link for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const latency = { name: 'gauntlet-sentinel-latency', type: 'latency' as const, stream: 'downstream' as const, toxicity: 1, attributes: { latency: this.latencyMs, jitter: 0 } };
    const names = t.sentinels.map((s) => s.appProxyName);
    await holdToxics(t, names, [latency], this.durationMs, strike);
    return `added ${this.latencyMs} ms to ${names.join(', ')} for ${this.durationMs} ms`;
  }
}

// Slow master look-ups alone do not touch an established data path: no window of its own.
export const slowSentinels = defineFault({
  kind: 'slow-sentinels',
  attributes: { latencyMs: z.number().positive(), duration: durationSchema },
  hitsDataPath: false,
  usesAppLinks: true,
  create: (f) => new SlowSentinels(f.latencyMs, f.duration),
});
