import { setTimeout as sleep } from 'node:timers/promises';
import { durationSchema } from '../../inputValidation.js';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { whenItOutlastsDetection, defineFault, requireMaster, type Fault } from './fault.js';

/** SIGSTOP the master for `durationMs`, then SIGCONT. Longer than down-after-milliseconds triggers a failover. */
export class FreezeMaster implements Fault {
  readonly kind = 'freeze-master';
  private victim: RedisNodeHandle | null = null;
  constructor(readonly durationMs: number) {}
  describe(): string {
    return `SIGSTOP the master for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    this.victim = await requireMaster(t);
    strike();
    this.victim.signal('SIGSTOP');
    await sleep(this.durationMs);
    this.victim.signal('SIGCONT');
    return `froze ${this.victim.name} (pid ${this.victim.pid}) for ${this.durationMs} ms`;
  }
  async heal(): Promise<void> {
    if (this.victim?.isRunning()) this.victim.signal('SIGCONT');
  }
}

export const freezeMaster = defineFault({ kind: 'freeze-master', attributes: { duration: durationSchema }, hitsDataPath: true, failsOverMaster: whenItOutlastsDetection, usesAppLinks: false, create: (f) => new FreezeMaster(f.duration) });
