import type { ClusterOptions } from 'ioredis';
import { BusGateClient } from './busGateClient.js';
import { type RedisNodeHandle, type NodeRole } from './nodeHandles.js';
import { readCredentials, type Credentials } from './credentials.js';
import { checkClusterHealth, forHealthyCluster, type ClusterHealthReport } from './clusterHealth.js';
import { ownerOf, parseClusterNodes, type ClusterNodeLine } from './clusterNodes.js';
import { findBinaries } from './prerequisites.js';
import { hostPort, RunningTopology } from './runningTopology.js';
import { clientTlsOptions } from './tlsCertificates.js';
import { readTopologyState, type ClusterRecord, type TopologyState } from './topologyState.js';

export type { ClusterHealthReport } from './clusterHealth.js';

/** Where an ioredis Cluster client starts and how it maps what the nodes announce. */
export interface ClusterClientSpec {
  startupNodes: Array<{ host: string; port: number }>;
  options: ClusterOptions;
}

/** A shard as it is now: named by its slot range at creation; its master is whoever serves that range's first slot. */
export interface ShardView {
  index: number;
  name: string;
  /** The slot ranges its current master serves. */
  slots: Array<[number, number]>;
  master: RedisNodeHandle | null;
  replicas: RedisNodeHandle[];
}

export interface ClusterNodeStatus {
  name: string;
  role: NodeRole;
  /** Which shard the node belongs to now (its own slots as a master, its master's as a replica). */
  shard: string | null;
  pid: number;
  controlPort: number;
  appProxy: string;
  peerProxy: string;
  busProxy: string;
  /** The bus gate in front of the bus proxy: what the node announces as its bus (null before the gates existed). */
  busGate: string | null;
}

/**
 * A running embedded Redis Cluster: every node behind its `node-i-app`, `node-i-peer` and
 * `node-i-bus` proxies, the cluster's view from the harness's side (CLUSTER NODES over the admin
 * control connections, which bypass every proxy), client options for ioredis Cluster, health,
 * and restarts. Built by EmbeddedCluster.start() or attached to from its state file.
 */
export class StartedCluster extends RunningTopology {
  readonly cluster: ClusterRecord;

  private constructor(state: TopologyState, creds: Credentials) {
    super(state, creds);
    if (!state.cluster) throw new Error(`state of ${state.id} is not a cluster`);
    this.cluster = state.cluster;
  }

  static async fromState(state: TopologyState): Promise<StartedCluster> {
    return new StartedCluster(state, await readCredentials(state.credentialsFile));
  }

  static async attach(dir: string): Promise<StartedCluster> {
    return StartedCluster.fromState(await readTopologyState(dir));
  }

  get nodeTimeoutMs(): number {
    return this.cluster.nodeTimeoutMs;
  }

  /** The bus gates in front of every node's bus proxy; null for a cluster started before they existed. */
  get busGates(): BusGateClient | null {
    return this.state.busGateApi ? new BusGateClient(this.state.busGateApi) : null;
  }

  /**
   * Cuts `node` from the cluster bus both ways: its own gate refuses every connection (the others
   * cannot reach it) and every other node's gate refuses connections from its source address (it
   * cannot reach them). Redis counts any byte received from a node as a sign of life, so either
   * half alone leaves it alive in the others' eyes. Open connections are reset at once.
   */
  async cutFromBus(node: RedisNodeHandle): Promise<void> {
    const gates = this.busGates;
    const source = node.record.sourceAddress;
    if (!gates || !source) throw new Error(`cluster ${this.id} has no bus gates (started before they existed): restart it with gauntlet down and up`);
    await Promise.all(this.nodes.map((n) => gates.set(n.name, n === node ? { refuseAll: true, refusedSources: [] } : { refuseAll: false, refusedSources: [source] })));
  }

  /**
   * Undoes `cutFromBus(node)` and only that: its own gate open, its source address no longer
   * refused at the others. Another fault's cut on the same cluster stays as it is.
   */
  async rejoinBus(node: RedisNodeHandle): Promise<void> {
    const gates = this.busGates;
    const source = node.record.sourceAddress;
    if (!gates || !source) return;
    const current = await gates.list();
    await Promise.all(
      current.map((g) =>
        g.name === node.name ? gates.set(g.name, { refuseAll: false, refusedSources: g.refusedSources }) : gates.set(g.name, { refuseAll: g.refuseAll, refusedSources: g.refusedSources.filter((x) => x !== source) }),
      ),
    );
  }

  /** Every proxy enabled and every bus gate open: what a chaos run's healing ends with. */
  override async resetProxies(): Promise<void> {
    // Both, whichever fails: a Toxiproxy error must not leave a node cut from the bus.
    const [proxies, gates] = await Promise.allSettled([super.resetProxies(), this.busGates?.reset()]);
    if (proxies.status === 'rejected') throw proxies.reason;
    if (gates.status === 'rejected') throw gates.reason;
  }

  shardName(index: number): string {
    const [a, b] = this.cluster.shardSlots[index] ?? [0, 0];
    return `shard-${index} (${a}-${b})`;
  }

  /** The node announcing `address` (its peer proxy), as CLUSTER NODES and MOVED name it. */
  nodeAt(address: string): RedisNodeHandle | null {
    return this.nodes.find((n) => n.announcedAddress === address) ?? null;
  }

  /**
   * ioredis natMap: every announced address maps to the node's app proxy (or, on the direct data
   * path, its own port), so app traffic crosses `node-i-app` while replication and the cluster bus
   * cross `node-i-peer` and `node-i-bus`.
   */
  get natMap(): Record<string, { host: string; port: number }> {
    return Object.fromEntries(this.state.nodes.map((n) => [n.peerProxy, this.dataPath === 'direct' ? { host: '127.0.0.1', port: n.controlPort } : hostPort(n.appProxy)]));
  }

  /** How the app reaches the cluster: every node as a startup node (where it lands by the data path), the natMap, the app user. */
  clusterClient(): ClusterClientSpec {
    const app = this.credentials.app;
    const map = this.natMap;
    return {
      startupNodes: this.state.nodes.map((n) => map[n.peerProxy]!),
      options: {
        natMap: map,
        redisOptions: { username: app.username, password: app.password, ...(this.state.tls ? { tls: clientTlsOptions(this.state.tls) } : {}) },
      },
    };
  }

  /** The cluster as the first running node that answers sees it (admin, straight to the node). */
  async view(): Promise<{ from: RedisNodeHandle; nodes: ClusterNodeLine[] } | null> {
    for (const n of this.nodes) {
      if (!n.isRunning()) continue;
      try {
        return { from: n, nodes: parseClusterNodes(String(await n.control().call('CLUSTER', 'NODES'))) };
      } catch {
        // a frozen or dying node: ask the next
      }
    }
    return null;
  }

  /**
   * A slot standing for shard k: the middle of the range it had at creation. Whoever serves it is
   * the shard's master, also after a few slots moved off the range's edge (a resharding).
   */
  representativeSlot(k: number): number {
    const [a, b] = this.cluster.shardSlots[k] ?? [0, 0];
    return Math.floor((a + b) / 2);
  }

  /** The shards now, by the slot range each had at creation. */
  async shards(): Promise<ShardView[]> {
    const v = await this.view();
    return this.cluster.shardSlots.map((_, index) => {
      const owner = v ? ownerOf(v.nodes, this.representativeSlot(index)) : null;
      const master = owner ? this.nodeAt(owner.address) : null;
      const replicas = owner && v ? v.nodes.filter((x) => x.masterId === owner.id).map((x) => this.nodeAt(x.address)).filter((x): x is RedisNodeHandle => x !== null) : [];
      return { index, name: this.shardName(index), slots: owner?.slots ?? [], master, replicas };
    });
  }

  /** The shard's current master, or an error saying the shard has none (a fault cannot strike without one). */
  async shardMaster(index: number): Promise<RedisNodeHandle> {
    const s = (await this.shards())[index];
    if (!s) throw new Error(`no shard ${index} (the cluster has ${this.cluster.shards})`);
    if (!s.master) throw new Error(`${s.name} has no master the cluster names`);
    return s.master;
  }

  async nodeStatuses(): Promise<ClusterNodeStatus[]> {
    const v = await this.view();
    const owners = v ? this.cluster.shardSlots.map((_, i) => ownerOf(v.nodes, this.representativeSlot(i))) : [];
    const shardOf = (line: ClusterNodeLine | undefined): string | null => {
      if (!line || !v) return null;
      const master = line.role === 'master' ? line : v.nodes.find((x) => x.id === line.masterId);
      const k = master ? owners.indexOf(master) : -1;
      return k === -1 ? null : this.shardName(k);
    };
    return this.nodes.map((n) => {
      const line = v?.nodes.find((x) => x.address === n.announcedAddress);
      const role: NodeRole = !n.isRunning() || !line || line.failing === 'fail' ? 'down' : line.role;
      return { name: n.name, role, shard: shardOf(line), pid: n.pid, controlPort: n.controlPort, appProxy: n.record.appProxy, peerProxy: n.record.peerProxy, busProxy: n.record.busProxy ?? '', busGate: n.record.busGate ?? null };
    });
  }

  async health(): Promise<ClusterHealthReport> {
    return checkClusterHealth(this);
  }

  async waitHealthy(timeoutMs = 30_000): Promise<ClusterHealthReport> {
    return forHealthyCluster.waitUntilReady(this, timeoutMs);
  }

  /**
   * Restarts a node that died on its own config, data and nodes.conf: it rejoins with its own
   * id, and a master that was failed over meanwhile comes back as a replica of its successor
   * (the cluster's newer config epoch wins), so there is never a second master for a range.
   */
  async restartNode(name: string): Promise<void> {
    const node = this.node(name);
    if (node.isRunning()) return;
    await this.restartServer(node, 'redis', (await findBinaries()).redisServer, [node.record.configFile], node.record.dataDir, node.record.logFile);
  }
}
