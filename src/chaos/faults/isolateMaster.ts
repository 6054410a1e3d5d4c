import { durationSchema } from '../../inputValidation.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, whenItOutlastsDetection } from './fault.js';
import { cutLinks, ProxyFault } from './proxyFault.js';

/** Cut both of the master's proxies (clients and peers) for `durationMs`: unreachable for everyone. */
export class IsolateMaster extends ProxyFault {
  readonly kind = 'isolate-master';
  constructor(readonly durationMs: number) {
    super();
  }
  describe(): string {
    return `cut the master's app and peer proxies for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    await cutLinks(t, [m.appProxyName, m.peerProxyName], this.durationMs, strike);
    return `isolated ${m.name} for ${this.durationMs} ms`;
  }
}

export const isolateMaster = defineFault({ kind: 'isolate-master', attributes: { duration: durationSchema }, hitsDataPath: true, failsOverMaster: whenItOutlastsDetection, usesAppLinks: true, create: (f) => new IsolateMaster(f.duration) });
