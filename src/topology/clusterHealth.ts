import { parseClusterNodes, type ClusterNodeLine } from './clusterNodes.js';
import type { RedisNodeHandle } from './nodeHandles.js';
import { parseInfo, replicasFromInfo } from './replicationInfo.js';
import type { StartedCluster } from './startedCluster.js';
import { untilHealthy, type HealthReport } from './topologyHealth.js';

export interface ShardHealth {
  name: string;
  master: string | null;
  replicasOnline: number;
}

/** A cluster's health in the shape every topology reports (no sentinels), with its shards. */
export interface ClusterHealthReport extends HealthReport {
  shards: ShardHealth[];
}

/** Who serves which slots, as one node sees it: equal on every node once the cluster agrees. */
const layout = (nodes: readonly ClusterNodeLine[]): string =>
  nodes
    .filter((n) => n.role === 'master' && n.slots.length > 0)
    .map((n) => `${n.address}=${n.slots.map(([a, b]) => `${a}-${b}`).join(',')}`)
    .sort()
    .join(' ');

/**
 * Healthy: every node runs and reports cluster_state:ok with all 16384 slots assigned and ok and
 * every node known; every node sees the same masters serving the same slots, with no node flagged
 * failing or still joining and every bus link connected; each shard's master has its replicas
 * online (INFO replication) and each replica's link to its master is up with no sync running.
 */
export async function checkClusterHealth(c: StartedCluster): Promise<ClusterHealthReport> {
  const problems: string[] = [];
  const expectedNodes = c.nodes.length;
  const layouts = new Map<string, string[]>();
  for (const n of c.nodes) {
    if (!n.isRunning()) {
      problems.push(`${n.name} is not running`);
      continue;
    }
    try {
      const info = parseInfo(String(await n.control().call('CLUSTER', 'INFO')));
      const state = info.get('cluster_state');
      const assigned = Number(info.get('cluster_slots_assigned'));
      const ok = Number(info.get('cluster_slots_ok'));
      const known = Number(info.get('cluster_known_nodes'));
      if (state !== 'ok') problems.push(`${n.name}: cluster_state:${state}`);
      if (assigned !== 16384 || ok !== 16384) problems.push(`${n.name}: ${assigned} slots assigned, ${ok} ok (of 16384)`);
      if (known !== expectedNodes) problems.push(`${n.name} knows ${known} nodes (of ${expectedNodes})`);
      const view = parseClusterNodes(String(await n.control().call('CLUSTER', 'NODES')));
      for (const x of view) {
        if (x.myself) continue;
        const who = c.nodeAt(x.address)?.name ?? x.address;
        if (x.failing) problems.push(`${n.name} flags ${who} ${x.failing === 'fail' ? 'fail' : 'fail?'}`);
        else if (x.joining) problems.push(`${n.name} is still meeting ${who}`);
        else if (!x.linkConnected) problems.push(`${n.name}: bus link to ${who} down`);
      }
      const l = layout(view);
      layouts.set(l, [...(layouts.get(l) ?? []), n.name]);
    } catch (e) {
      problems.push(`${n.name} does not answer: ${(e as Error).message}`);
    }
  }
  if (layouts.size > 1) problems.push(`nodes disagree on who serves which slots: ${[...layouts.values()].map((names) => names.join(',')).join(' vs ')}`);

  const shards: ShardHealth[] = [];
  let replicasOnline = 0;
  for (const s of await c.shards()) {
    if (!s.master) {
      problems.push(`${s.name} has no master`);
      shards.push({ name: s.name, master: null, replicasOnline: 0 });
      continue;
    }
    const online = await onlineReplicas(s.master, s.replicas);
    if (online.problem) problems.push(`${s.name}: ${online.problem}`);
    if (online.count < c.cluster.replicasPerShard) problems.push(`${s.name}: ${online.count} of ${c.cluster.replicasPerShard} replicas online at ${s.master.name}`);
    replicasOnline += online.count;
    shards.push({ name: s.name, master: s.master.name, replicasOnline: online.count });
  }
  const masters = shards.map((s) => s.master).filter((m): m is string => m !== null);
  return { healthy: problems.length === 0, master: masters.length ? masters.join(', ') : null, replicasOnline, sentinels: [], problems, shards };
}

/** Replicas the master lists online whose own link to it is up with no sync in progress. */
async function onlineReplicas(master: RedisNodeHandle, replicas: readonly RedisNodeHandle[]): Promise<{ count: number; problem: string | null }> {
  try {
    const listed = replicasFromInfo(await master.info('replication')).filter((r) => r.state === 'online').map((r) => `${r.ip}:${r.port}`);
    let count = 0;
    for (const r of replicas) {
      if (!listed.includes(r.announcedAddress) || !r.isRunning()) continue;
      const info = await r.info('replication');
      if (info.get('master_link_status') === 'up' && info.get('master_sync_in_progress') === '0') count++;
    }
    return { count, problem: null };
  } catch (e) {
    return { count: 0, problem: `${master.name} or a replica does not answer: ${(e as Error).message}` };
  }
}

/** How a cluster is known to be ready: after start, and after healing. */
export const forHealthyCluster = {
  description: 'cluster_state:ok on every node, all slots covered, every node agreeing, every replica online and in sync',
  waitUntilReady: (c: StartedCluster, timeoutMs: number): Promise<ClusterHealthReport> => untilHealthy(() => checkClusterHealth(c), timeoutMs, 250),
};
