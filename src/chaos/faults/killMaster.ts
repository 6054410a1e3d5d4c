import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { always, defineFault, requireMaster, type Fault } from './fault.js';

/** SIGKILL the master process; healing restarts it on its data directory (it rejoins as a replica). */
export class KillMaster implements Fault {
  readonly kind = 'kill-master';
  private victim: RedisNodeHandle | null = null;
  describe(): string {
    return 'SIGKILL the master';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    this.victim = await requireMaster(t);
    strike();
    this.victim.signal('SIGKILL');
    return `killed ${this.victim.name} (pid ${this.victim.pid})`;
  }
  async heal(t: StartedTopology): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

export const killMaster = defineFault({ kind: 'kill-master', attributes: {}, hitsDataPath: true, failsOverMaster: always, usesAppLinks: false, create: () => new KillMaster() });
