import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseInfo } from '../../topology/replicationInfo.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { KillReplica } from '../faults/killReplica.js';
import { defineFault, requireMaster, type FaultCheck } from '../faults/fault.js';
import { waitUntil as until } from '../../waitUntil.js';

/**
 * Replacing a failed replica (docs/runbook.md): the replica dies with its disk (SIGKILL, data
 * directory emptied), a fresh node takes its address and config and full-syncs from the master;
 * then every sentinel is told SENTINEL RESET, one at a time so a quorum always stays, and must
 * rediscover the replicas and its peers.
 */
export class ReplaceReplica extends KillReplica {
  override readonly kind = 'replace-replica';
  private resetProblems: string[] = [];
  override describe(): string {
    return 'a replica dies with its data; a fresh node replaces it, syncs, and every sentinel is reset one at a time';
  }
  override async inject(t: StartedTopology, strike: () => void): Promise<string> {
    await super.inject(t, strike);
    const victim = this.victim!;
    await until(`${victim.name} exit`, 5000, async () => !victim.isRunning());
    for (const f of ['appendonlydir', 'dump.rdb']) await rm(join(victim.record.dataDir, f), { recursive: true, force: true });
    const replaced = Date.now();
    await t.restartNode(victim.name);
    const syncMs = await until(`${victim.name} full sync`, 60_000, async () => {
      const info = parseInfo(await victim.control().info('replication'));
      return info.get('master_link_status') === 'up' && info.get('master_sync_in_progress') === '0';
    });
    const resets: string[] = [];
    for (const s of t.sentinels.filter((x) => x.isRunning())) {
      await s.control().call('SENTINEL', 'RESET', t.masterName);
      try {
        const ms = await until(`${s.name} rediscovery after SENTINEL RESET`, 30_000, () => t.sentinelKnowsAll(s));
        resets.push(`${s.name} ${ms} ms`);
      } catch (e) {
        this.resetProblems.push((e as Error).message);
      }
    }
    return `replaced ${victim.name} with an empty node: full sync done ${syncMs} ms after its start; SENTINEL RESET one at a time, rediscovery took ${resets.join(', ') || 'none'}; whole procedure ${Date.now() - replaced} ms`;
  }
  async checks(t: StartedTopology): Promise<FaultCheck[]> {
    const v = this.victim;
    if (!v) return [];
    const master = await requireMaster(t);
    // After the load: the replica must hold exactly the master's keys at the same offset.
    let actual = '';
    const inSync = await until('replica caught up', 10_000, async () => {
      const [mi, vi] = [parseInfo(await master.control().info('replication')), parseInfo(await v.control().info('replication'))];
      const [md, vd] = [await master.control().dbsize(), await v.control().dbsize()];
      actual = `${v.name}: link ${vi.get('master_link_status')}, offset ${vi.get('slave_repl_offset')} of ${mi.get('master_repl_offset')}, ${vd} of ${md} keys`;
      return vi.get('master_link_status') === 'up' && vi.get('slave_repl_offset') === mi.get('master_repl_offset') && vd === md;
    }).then(() => true, () => false);
    return [
      { name: 'replacement replica holds the master\'s data', limit: 'same offset and key count as the master', actual, pass: inSync },
      { name: 'every sentinel rediscovered replicas and peers after SENTINEL RESET', limit: 'within 30 s each', actual: this.resetProblems.join('; ') || 'all did', pass: this.resetProblems.length === 0 },
    ];
  }
}

export const replaceReplica = defineFault({ kind: 'replace-replica', attributes: {}, hitsDataPath: false, usesAppLinks: false, create: () => new ReplaceReplica() });
