import { spawn } from 'node:child_process';
import { UserError } from '../../errors.js';
import { openTopology } from '../../topology/openTopology.js';
import { StartedCluster } from '../../topology/startedCluster.js';
import { listTopologies } from '../../topology/staleTopologies.js';

/**
 * `gauntlet cli [node|sentinel-j|master|shard-k] [-- redis-cli args]`: redis-cli on a node of a
 * running embedded/detached topology, as admin, straight to the node (not through proxies). On a
 * cluster `master` is ambiguous: `shard-k` names shard k's current master. The password goes
 * through REDISCLI_AUTH, never the command line (visible in ps).
 */
export async function cli(target: string, args: readonly string[], id?: string): Promise<number> {
  const running = (await listTopologies()).filter((t) => t.state && t.status !== 'stale' && (!id || t.state.id === id));
  if (running.length === 0) throw new UserError('no running topology (start one with `gauntlet up --detach`)');
  if (running.length > 1 && !id) throw new UserError(`several topologies run (${running.map((t) => t.state!.id).join(', ')}); pick one with --id`);
  const t = await openTopology(running[0]!.state!);
  try {
    let port: number;
    if (t instanceof StartedCluster) {
      const shard = /^shard-(\d+)$/.exec(target);
      const h = shard ? (await t.shards())[Number(shard[1])]?.master : t.nodes.find((x) => x.name === target);
      if (!h) throw new UserError(`no ${target} in cluster ${t.id}: one of shard-0..${t.cluster.shards - 1} (a shard's master), ${t.nodes.map((x) => x.name).join(', ')}`);
      port = h.controlPort;
    } else if (target === 'master') {
      const m = await t.currentMaster();
      if (!m) throw new UserError('the sentinels name no master right now');
      port = m.controlPort;
    } else {
      const h = [...t.nodes, ...t.sentinels].find((x) => x.name === target);
      if (!h) throw new UserError(`no ${target} in topology ${t.id}: one of master, ${[...t.nodes, ...t.sentinels].map((x) => x.name).join(', ')}`);
      port = h.controlPort;
    }
    const admin = t.credentials.admin;
    const tls = t.snapshot.tls;
    const tlsArgs = tls ? ['--tls', '--cacert', tls.ca, '--cert', tls.clientCert, '--key', tls.clientKey] : [];
    const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--user', admin.username, ...tlsArgs, ...args], { stdio: 'inherit', env: { ...process.env, REDISCLI_AUTH: admin.password } });
    return await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  } finally {
    t.closeControlConnections();
  }
}
