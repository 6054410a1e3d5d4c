import { readFile, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';

/** One process the topology started, and how to recognise it again (pids are recycled). */
export interface ProcessRecord {
  name: string;
  kind: 'redis' | 'sentinel' | 'toxiproxy' | 'bus-gate' | 'watchdog' | 'exporter' | 'prometheus';
  pid: number;
  /** The process's working directory: inside the topology directory, so a recycled pid is never mistaken for ours. */
  cwd: string;
}

export interface ProxyRecord {
  name: string;
  listen: string;
  upstream: string;
}

export interface NodeRecord {
  name: string;
  controlPort: number;
  appProxy: string;
  peerProxy: string;
  dataDir: string;
  configFile: string;
  logFile: string;
  /** Cluster nodes: the node's own cluster bus port, and the `node-i-bus` proxy in front of it. */
  busPort?: number;
  busProxy?: string;
  /**
   * Cluster nodes: the bus gate in front of its bus proxy, which the node announces as its bus
   * (absent in clusters started before the gates existed), and the loopback address its own
   * outgoing connections come from (`bind-source-addr`), by which the gates tell nodes apart.
   */
  busGate?: string;
  sourceAddress?: string;
}

/** A Cluster topology's shape, as created: shard k is the k-th slot range and its first master. */
export interface ClusterRecord {
  shards: number;
  replicasPerShard: number;
  nodeTimeoutMs: number;
  /** Slot ranges [first, last] per shard when the cluster was created: what names a shard in reports. */
  shardSlots: Array<[number, number]>;
}

export interface SentinelRecord {
  name: string;
  port: number;
  appProxy: string;
  configFile: string;
  logFile: string;
}

/** state.json: everything another gauntlet process needs to use or clean up a topology. */
export interface TopologyState {
  schemaVersion: 1;
  id: string;
  dir: string;
  createdAt: string;
  /** The harness that owns it; null once detached (`gauntlet up --detach`). */
  ownerPid: number | null;
  masterName: string;
  host: string;
  toxiproxyApi: string;
  /** A cluster's bus-gate process (busGateProcess.ts): its HTTP API. */
  busGateApi?: string;
  credentialsFile: string;
  /** 'sentinel' (absent in state written before Cluster topologies existed) or 'cluster'. */
  kind?: 'sentinel' | 'cluster';
  /** For a Cluster topology, `downAfterMs` holds its cluster-node-timeout: the failure-detection time either way. */
  settings: { downAfterMs: number; failoverTimeoutMs: number; minReplicasToWrite: number; maxmemory: string; tls?: 'off' | 'tls' | 'mtls' };
  cluster?: ClusterRecord;
  /** Certificate files when the topology runs TLS (tlsCertificates.ts). */
  tls?: import('./tlsCertificates.js').TlsFiles;
  nodes: NodeRecord[];
  sentinels: SentinelRecord[];
  proxies: ProxyRecord[];
  processes: ProcessRecord[];
}

export const stateFileName = 'state.json';

export async function readTopologyState(dir: string): Promise<TopologyState> {
  const state = JSON.parse(await readFile(join(dir, stateFileName), 'utf8')) as TopologyState;
  if (state.schemaVersion !== 1) throw new Error(`${dir}: unknown state schema ${String(state.schemaVersion)}`);
  return state;
}

/** Written atomically (rename), because a watchdog or another CLI may read it at any time. */
let writes = 0;
export async function writeTopologyState(state: TopologyState): Promise<void> {
  const file = join(state.dir, stateFileName);
  const tmp = `${file}.${process.pid}.${++writes}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, file);
}

/**
 * The order processes stop in: observers first, then sentinels (so none starts a failover while
 * nodes go down), then nodes, then the proxies and gates they sit behind.
 */
export const processStopOrder: ReadonlyArray<ProcessRecord['kind']> = ['watchdog', 'prometheus', 'exporter', 'sentinel', 'redis', 'bus-gate', 'toxiproxy'];

/**
 * Adds or replaces (by name) a process record and persists the state. Replaced in place:
 * node and sentinel handles hold a reference to their record.
 */
export async function upsertProcess(state: TopologyState, record: ProcessRecord): Promise<void> {
  const existing = state.processes.find((p) => p.name === record.name);
  if (existing) Object.assign(existing, record);
  else state.processes.push(record);
  await writeTopologyState(state);
}
