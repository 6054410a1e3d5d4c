import { z } from 'zod';
import type { SentinelHandle } from '../../topology/nodeHandles.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, type Fault } from './fault.js';

/** SIGKILL `count` sentinels (the highest-numbered first); healing restarts them on their own config. */
export class KillSentinels implements Fault {
  readonly kind = 'kill-sentinels';
  private victims: SentinelHandle[] = [];
  constructor(readonly count: number) {}
  describe(): string {
    return `SIGKILL ${this.count} of the sentinels`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    this.victims = t.sentinels.filter((x) => x.isRunning()).slice(-this.count);
    strike();
    for (const v of this.victims) v.signal('SIGKILL');
    return `killed ${this.victims.map((v) => v.name).join(', ')}`;
  }
  async heal(t: StartedTopology): Promise<void> {
    for (const v of this.victims) await t.restartSentinel(v.name);
  }
}

export const killSentinels = defineFault({ kind: 'kill-sentinels', attributes: { count: z.number().int().min(1).max(3) }, hitsDataPath: false, usesAppLinks: false, create: (f) => new KillSentinels(f.count) });
