import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, type Fault } from './fault.js';

/** SIGKILL one replica; healing restarts it. Writes continue; with min-replicas-to-write 1 one replica still suffices. */
export class KillReplica implements Fault {
  readonly kind: string = 'kill-replica';
  protected victim: RedisNodeHandle | null = null;
  describe(): string {
    return 'SIGKILL one replica';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const master = await requireMaster(t);
    const victim = t.nodes.find((n) => n !== master && n.isRunning());
    if (!victim) throw new Error('no running replica');
    this.victim = victim;
    strike();
    victim.signal('SIGKILL');
    return `killed replica ${victim.name} (pid ${victim.pid})`;
  }
  async heal(t: StartedTopology): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

export const killReplica = defineFault({ kind: 'kill-replica', attributes: {}, hitsDataPath: false, usesAppLinks: false, create: () => new KillReplica() });
