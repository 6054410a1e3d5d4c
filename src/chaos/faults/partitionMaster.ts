import { durationSchema } from '../../inputValidation.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, whenItOutlastsDetection } from './fault.js';
import { cutLinks, ProxyFault } from './proxyFault.js';

/**
 * Cut the master's peer proxy for `durationMs`: sentinels and replicas lose it while clients still
 * reach it (the split-brain case). Writes it takes meanwhile are lost when it rejoins as a
 * replica, unless min-replicas-to-write stops it from taking them.
 */
export class PartitionMaster extends ProxyFault {
  readonly kind = 'partition-master';
  constructor(readonly durationMs: number) {
    super();
  }
  describe(): string {
    return `cut the master's peer proxy (replication + sentinels) for ${this.durationMs} ms; clients still reach it`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    await cutLinks(t, [m.peerProxyName], this.durationMs, strike);
    return `partitioned ${m.name} from replicas and sentinels for ${this.durationMs} ms`;
  }
}

export const partitionMaster = defineFault({ kind: 'partition-master', attributes: { duration: durationSchema }, hitsDataPath: true, failsOverMaster: whenItOutlastsDetection, usesAppLinks: false, create: (f) => new PartitionMaster(f.duration) });
