import { z } from 'zod';
import { durationSchema } from '../../inputValidation.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster } from './fault.js';
import { holdToxics, ProxyFault } from './proxyFault.js';

/** Limit the master's app link to `rateKBps` for `durationMs`. */
export class MasterBandwidth extends ProxyFault {
  readonly kind = 'master-bandwidth';
  constructor(
    readonly rateKBps: number,
    readonly durationMs: number,
  ) {
    super();
  }
  describe(): string {
    return `limit the master's app link to ${this.rateKBps} KB/s for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const limits = (['upstream', 'downstream'] as const).map((stream) => ({ name: `gauntlet-bandwidth-${stream}`, type: 'bandwidth' as const, stream, toxicity: 1, attributes: { rate: this.rateKBps } }));
    await holdToxics(t, [m.appProxyName], limits, this.durationMs, strike);
    return `limited ${m.appProxyName} to ${this.rateKBps} KB/s for ${this.durationMs} ms`;
  }
}

export const masterBandwidth = defineFault({
  kind: 'master-bandwidth',
  attributes: { rateKBps: z.number().positive(), duration: durationSchema },
  hitsDataPath: true,
  usesAppLinks: true,
  create: (f) => new MasterBandwidth(f.rateKBps, f.duration),
});
