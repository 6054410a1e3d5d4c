import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findBinaries } from '../../topology/prerequisites.js';
import { freePort } from '../../topology/freePort.js';
import { stopProcess } from '../../topology/processControl.js';
import { directClient } from '../../topology/redisProcess.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, type Fault, type FaultCheck } from '../faults/fault.js';
import { waitUntil } from '../../waitUntil.js';

/**
 * A new sentinel's config from a running one, as the runbook says to make it: same monitor line,
 * auth and timings; its own port, directory and log; and without the `myid`, epochs and
 * known-sentinel/known-replica lines, which belong to the sentinel they were copied from (two
 * sentinels with one id break discovery).
 */
export function configForNewSentinel(source: string, o: { port: number; dir: string; logFile: string }): string {
  const tls = /^tls-port\s/m.test(source);
  return source
    .split('\n')
    .filter((l) => !/^sentinel (myid|config-epoch|leader-epoch|current-epoch|known-sentinel|known-replica|known-slave)\b/.test(l))
    .map((l) => {
      if (/^port\s/.test(l)) return tls ? 'port 0' : `port ${o.port}`;
      if (/^tls-port\s/.test(l)) return `tls-port ${o.port}`;
      if (/^dir\s/.test(l)) return `dir "${o.dir}"`;
      if (/^logfile\s/.test(l)) return `logfile "${o.logFile}"`;
      return l;
    })
    .join('\n');
}

/**
 * Adding a sentinel, then removing it again (docs/runbook.md): the new one starts from a copy of
 * a running sentinel's config; it and every existing sentinel must see each other through the
 * hello channel. Healing is the removal procedure: stop it, then SENTINEL RESET the others one at
 * a time until each counts its peers right again (sentinels never forget a peer by themselves).
 */
export class AddSentinel implements Fault {
  readonly kind = 'add-sentinel';
  private pid = 0;
  private port = 0;
  private joined: string | null = null;
  private removed: string | null = null;
  describe(): string {
    return 'add a fourth sentinel from a copy of a running one\'s config; afterwards remove it with SENTINEL RESET';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const source = t.sentinels.find((s) => s.isRunning());
    if (!source) throw new Error('no running sentinel to copy');
    const dir = join(t.dir, 'sentinel-added');
    await mkdir(dir, { recursive: true });
    const configFile = join(dir, 'sentinel.conf');
    const logFile = join(dir, 'sentinel.log');
    this.port = await freePort();
    await writeFile(configFile, configForNewSentinel(await readFile(source.record.configFile, 'utf8'), { port: this.port, dir, logFile }), { mode: 0o600 });
    strike();
    ({ pid: this.pid } = await t.launcher.launch({ name: 'sentinel-added', kind: 'sentinel', binary: (await findBinaries()).redisSentinel, args: [configFile], cwd: dir, logFile, port: this.port }));
    const added = directClient(this.port, t.adminAuth, 'gauntlet-control:sentinel-added');
    const others = t.sentinels.length;
    try {
      const ms = await waitUntil('every sentinel seeing the new one', 30_000, async () => {
        const views = await Promise.all([added, ...t.sentinels.map((s) => s.control())].map((c) => t.sentinelView(c)));
        return views.every((v) => v.others === others);
      });
      this.joined = `all ${others + 1} sentinels see ${others} others after ${ms} ms`;
    } finally {
      added.disconnect();
    }
    return `started a sentinel on port ${this.port} from ${source.name}'s config; ${this.joined}`;
  }
  async heal(t: StartedTopology): Promise<void> {
    if (!this.pid) return;
    await stopProcess(this.pid);
    this.pid = 0;
    const times: string[] = [];
    for (const s of t.sentinels.filter((x) => x.isRunning())) {
      await s.control().call('SENTINEL', 'RESET', t.masterName);
      const ms = await waitUntil(`${s.name} forgetting the removed sentinel`, 30_000, async () => (await t.sentinelView(s.control())).others === t.sentinels.length - 1);
      times.push(`${s.name} ${ms} ms`);
    }
    this.removed = `removed; after SENTINEL RESET each counts its peers right again: ${times.join(', ')}`;
  }
  async checks(): Promise<FaultCheck[]> {
    return [
      { name: 'added sentinel discovered by every sentinel', limit: 'within 30 s', actual: this.joined ?? 'not discovered', pass: this.joined !== null },
      { name: 'removed sentinel forgotten after SENTINEL RESET', limit: 'within 30 s per sentinel', actual: this.removed ?? 'not removed', pass: this.removed !== null },
    ];
  }
}

export const addSentinel = defineFault({ kind: 'add-sentinel', attributes: {}, hitsDataPath: false, usesAppLinks: false, create: () => new AddSentinel() });
