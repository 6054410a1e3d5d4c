import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, type Fault } from './fault.js';

/**
 * SIGKILL the master and restart it at once on the same data directory, before the sentinels
 * can fail over: what the AOF (appendfsync everysec) gives back. The kernel keeps written AOF
 * data across a process kill, so nothing acknowledged should be lost; a power cut would differ.
 */
export class RestartMasterFromAof implements Fault {
  readonly kind = 'restart-master-from-aof';
  describe(): string {
    return 'SIGKILL the master and restart it on its data directory before any failover';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    strike();
    const started = Date.now();
    m.signal('SIGKILL');
    await m.waitForExit(2000);
    await t.restartNode(m.name);
    return `killed ${m.name} and restarted it from its AOF in ${Date.now() - started} ms`;
  }
  async heal(): Promise<void> {}
}

export const restartMasterFromAof = defineFault({ kind: 'restart-master-from-aof', attributes: {}, hitsDataPath: true, usesAppLinks: false, create: () => new RestartMasterFromAof() });
