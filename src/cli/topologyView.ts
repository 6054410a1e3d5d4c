import Table from 'cli-table3';
import pc from 'picocolors';
import type { AnyTopology } from '../topology/openTopology.js';
import type { ClusterHealthReport, ClusterNodeStatus, StartedCluster } from '../topology/startedCluster.js';
import type { HealthReport, NodeStatus, StartedTopology } from '../topology/startedTopology.js';

/** `gauntlet status --json`: what another program needs to reach the topology. */
export interface TopologyStatusJson {
  id: string;
  dir: string;
  detached: boolean;
  masterName: string;
  healthy: boolean;
  problems: string[];
  sentinels: Array<{ name: string; pid: number; port: number; appProxy: string }>;
  nodes: NodeStatus[];
  proxies: Array<{ name: string; listen: string; upstream: string }>;
  toxiproxyApi: string;
  /** The toxiproxy-server process (every process gauntlet starts is listed with its pid). */
  toxiproxy: { pid: number | null; api: string };
  /** Every process of the topology as recorded in state.json (servers, watchdog, exporters, restored drill nodes). */
  processes: Array<{ name: string; kind: string; pid: number }>;
  credentialsFile: string;
  natMap: Record<string, { host: string; port: number }>;
  settings: StartedTopology['settings'];
}

/** `gauntlet status --json` of a Cluster topology: the same process and proxy facts, shards instead of sentinels. */
export interface ClusterStatusJson extends Omit<TopologyStatusJson, 'masterName' | 'sentinels' | 'nodes'> {
  kind: 'cluster';
  shards: ClusterHealthReport['shards'];
  nodes: ClusterNodeStatus[];
  cluster: StartedCluster['cluster'];
}

export async function clusterStatus(t: StartedCluster): Promise<ClusterStatusJson> {
  const [health, nodes] = await Promise.all([t.health(), t.nodeStatuses()]);
  return { kind: 'cluster', ...commonStatus(t), healthy: health.healthy, problems: health.problems, shards: health.shards, nodes, natMap: t.natMap, cluster: t.cluster };
}

function commonStatus(t: AnyTopology): Pick<TopologyStatusJson, 'id' | 'dir' | 'detached' | 'proxies' | 'toxiproxyApi' | 'toxiproxy' | 'processes' | 'credentialsFile' | 'settings'> {
  return {
    id: t.id,
    dir: t.dir,
    detached: t.isDetached,
    proxies: t.snapshot.proxies,
    toxiproxyApi: t.toxiproxyApi,
    toxiproxy: { pid: t.snapshot.processes.find((p) => p.kind === 'toxiproxy')?.pid ?? null, api: t.toxiproxyApi },
    processes: t.snapshot.processes.map((p) => ({ name: p.name, kind: p.kind, pid: p.pid })),
    credentialsFile: t.credentialsFile,
    settings: t.settings,
  };
}

export async function topologyStatus(t: StartedTopology): Promise<TopologyStatusJson> {
  const [health, nodes] = await Promise.all([t.health(), t.nodeStatuses()]);
  return {
    ...commonStatus(t),
    masterName: t.masterName,
    healthy: health.healthy,
    problems: health.problems,
    sentinels: t.sentinels.map((s) => ({ name: s.name, pid: s.pid, port: s.controlPort, appProxy: s.record.appProxy })),
    nodes,
    natMap: t.natMap,
  };
}

export function renderHealth(h: HealthReport | ClusterHealthReport): string {
  const verdict = h.healthy ? pc.green('healthy') : pc.red('NOT healthy');
  if ('shards' in h) {
    const lines = [`${verdict}: ${h.shards.length} shards, ${h.replicasOnline} replicas online`];
    for (const s of h.shards) lines.push(`  ${s.name}: master ${s.master ?? '?'}, ${s.replicasOnline} replicas online`);
    for (const p of h.problems) lines.push(pc.red(`  problem: ${p}`));
    return lines.join('\n');
  }
  const lines = [`${verdict}: master ${h.master ?? '?'}, ${h.replicasOnline} replicas online`];
  for (const s of h.sentinels) lines.push(`  ${s.name}: ${s.ok ? pc.green('ok') : pc.red('problem')} (${s.detail})`);
  for (const p of h.problems) lines.push(pc.red(`  problem: ${p}`));
  return lines.join('\n');
}

export function renderStatusTable(s: TopologyStatusJson): string {
  const table = new Table({ head: ['process', 'role', 'pid', 'control port', 'app proxy', 'peer proxy'], style: { head: [], border: [] } });
  for (const n of s.nodes) table.push([n.name, n.role, n.pid, n.controlPort, n.appProxy, n.peerProxy]);
  for (const x of s.sentinels) table.push([x.name, 'sentinel', x.pid, x.port, x.appProxy, '-']);
  const head = `topology ${s.id} (${s.detached ? 'detached' : 'owned by a running gauntlet'}), master name "${s.masterName}": ${s.healthy ? pc.green('healthy') : pc.red('NOT healthy')}`;
  const tail = [`toxiproxy     pid ${s.toxiproxy.pid ?? '?'}, API ${s.toxiproxyApi}`, `credentials   ${s.credentialsFile}`];
  for (const p of s.problems) tail.push(pc.red(`problem: ${p}`));
  return [head, table.toString(), ...tail].join('\n');
}

export function renderClusterStatusTable(s: ClusterStatusJson): string {
  const table = new Table({ head: ['node', 'role', 'shard', 'pid', 'control port', 'app proxy', 'peer proxy', 'bus (announced gate -> proxy)'], style: { head: [], border: [] } });
  for (const n of s.nodes) table.push([n.name, n.role, n.shard ?? '-', n.pid, n.controlPort, n.appProxy, n.peerProxy, n.busGate ? `${n.busGate} -> ${n.busProxy}` : n.busProxy]);
  const head = `cluster ${s.id} (${s.detached ? 'detached' : 'owned by a running gauntlet'}), ${s.cluster.shards} shards x ${s.cluster.replicasPerShard} replicas, cluster-node-timeout ${s.cluster.nodeTimeoutMs} ms: ${s.healthy ? pc.green('healthy') : pc.red('NOT healthy')}`;
  const tail = [`toxiproxy     pid ${s.toxiproxy.pid ?? '?'}, API ${s.toxiproxyApi}`, `credentials   ${s.credentialsFile}`];
  for (const p of s.problems) tail.push(pc.red(`problem: ${p}`));
  return [head, table.toString(), ...tail].join('\n');
}
