import { z } from 'zod';
import { durationSchema } from '../../inputValidation.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster } from './fault.js';
import { holdToxics, ProxyFault } from './proxyFault.js';

/** Latency (with jitter) on the master's app link for `durationMs`. */
export class MasterLatency extends ProxyFault {
  readonly kind = 'master-latency';
  constructor(
    readonly latencyMs: number,
    readonly jitterMs: number,
    readonly durationMs: number,
  ) {
    super();
  }
  describe(): string {
    return `${this.latencyMs} ± ${this.jitterMs} ms on the master's app link for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const latency = { name: 'gauntlet-latency', type: 'latency' as const, stream: 'downstream' as const, toxicity: 1, attributes: { latency: this.latencyMs, jitter: this.jitterMs } };
    await holdToxics(t, [m.appProxyName], [latency], this.durationMs, strike);
    return `added ${this.latencyMs} ± ${this.jitterMs} ms to ${m.appProxyName} for ${this.durationMs} ms`;
  }
}

export const masterLatency = defineFault({
  kind: 'master-latency',
  attributes: { latencyMs: z.number().positive(), jitterMs: z.number().nonnegative().default(0), duration: durationSchema },
  hitsDataPath: true,
  usesAppLinks: true,
  create: (f) => new MasterLatency(f.latencyMs, f.jitterMs, f.duration),
});
