import { join } from 'node:path';
import { UserError } from '../errors.js';
import { pollFor } from '../waitUntil.js';
import { describeProblems, referenceSettings } from './embeddedTopology.js';
import { parseClusterNodes, splitSlots } from './clusterNodes.js';
import { freePort } from './freePort.js';
import type { Binaries } from './prerequisites.js';
import { hostPort } from './runningTopology.js';
import { startBusGate } from './busGateServer.js';
import { renderClusterBlock } from './serverConfigs.js';
import { StartedCluster } from './startedCluster.js';
import { TopologyBuilder, TopologyStarter, TopologyStartError, type CommonTopologySettings } from './topologyStarter.js';
import { writeTopologyState, type NodeRecord, type TopologyState } from './topologyState.js';

export interface ClusterSettings extends CommonTopologySettings {
  shards: number;
  replicasPerShard: number;
  nodeTimeoutMs: number;
}

/**
 * Reference values (docs/deployment-settings.md, "Redis Cluster"): 3 shards of one master and one
 * replica. cluster-node-timeout 3 s, like the sentinels' down-after: a master is flagged failing
 * after 3 s without an answer and its replica promoted about 1-2 s later, far inside the 30 s goal,
 * while a short stall (a fork, a GC pause of a proxy) does not fail it over.
 */
export const referenceClusterSettings: ClusterSettings = {
  shards: 3,
  replicasPerShard: 1,
  nodeTimeoutMs: 3000,
  minReplicasToWrite: 0,
  minReplicasMaxLagS: referenceSettings.minReplicasMaxLagS,
  maxmemory: '1gb',
  healthTimeoutMs: 60_000,
  tls: 'off',
  ownership: 'harness',
};

/** A cluster needs a majority of masters to fail one over; more than this many nodes on one box measures nothing useful. */
const maxShards = 9;
const maxReplicasPerShard = 3;

/**
 * Builder for an embedded Redis Cluster: `shards` masters with `replicasPerShard` replicas each,
 * one toxiproxy-server, on 127.0.0.1 with free ports, created from code (ADDSLOTSRANGE, MEET,
 * REPLICATE) and ready once every slot is covered and every replica in sync.
 *
 *   await using cluster = await new EmbeddedCluster().withShards(3).start();
 */
export class EmbeddedCluster extends TopologyBuilder<ClusterSettings, StartedCluster> {
  constructor() {
    super({ ...referenceClusterSettings }, 'embedded cluster');
  }

  withShards(n: number): this {
    if (!Number.isInteger(n) || n < 1 || n > maxShards) throw new UserError(`--shards must be 1 to ${maxShards}, got ${n}`);
    this.settings.shards = n;
    return this;
  }

  withReplicasPerShard(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > maxReplicasPerShard) throw new UserError(`--replicas-per-shard must be 0 to ${maxReplicasPerShard}, got ${n}`);
    this.settings.replicasPerShard = n;
    return this;
  }

  withNodeTimeoutMs(ms: number): this {
    this.settings.nodeTimeoutMs = ms;
    return this;
  }

  protected starter(binaries: Binaries): ClusterStarter {
    return new ClusterStarter(this.settings, binaries);
  }
}

/**
 * Node i's outgoing connections leave from 127.0.0.(i+2): Linux routes all of 127.0.0.0/8 to lo,
 * so the bind succeeds without any set-up, and 127.0.0.1 (the harness, Toxiproxy) stays apart.
 */
function nodeSourceAddress(i: number): string {
  return `127.0.0.${i + 2}`;
}

/** One start attempt of a cluster. Nodes 0..shards-1 start as masters; the rest are their replicas, in order. */
class ClusterStarter extends TopologyStarter<StartedCluster> {
  constructor(
    private readonly settings: ClusterSettings,
    binaries: Binaries,
  ) {
    super(binaries, settings.ownership, settings.tls);
  }

  protected open(state: TopologyState): Promise<StartedCluster> {
    return StartedCluster.fromState(state);
  }

  async start(): Promise<StartedCluster> {
    const s = this.settings;
    const shardSlots = splitSlots(s.shards);
    await this.foundation({
      kind: 'cluster',
      masterName: '',
      settings: { downAfterMs: s.nodeTimeoutMs, failoverTimeoutMs: s.nodeTimeoutMs * 2, minReplicasToWrite: s.minReplicasToWrite, maxmemory: s.maxmemory, tls: s.tls },
      cluster: { shards: s.shards, replicasPerShard: s.replicasPerShard, nodeTimeoutMs: s.nodeTimeoutMs, shardSlots },
    });
    const gateDir = await this.subdir('bus-gate');
    const gates = await startBusGate({ cwd: gateDir, logFile: join(gateDir, 'bus-gate.log'), onSpawn: (pid) => this.record({ name: 'bus-gate', kind: 'bus-gate', pid, cwd: gateDir }) });
    this.state.busGateApi = gates.api;
    const count = s.shards * (1 + s.replicasPerShard);
    for (let i = 0; i < count; i++) {
      const busPort = await freePort();
      const node = await this.addNode(`node-${i}`, [{ suffix: 'bus', upstreamPort: busPort }]);
      node.busPort = busPort;
      node.busProxy = this.state.proxies.find((p) => p.name === `node-${i}-bus`)!.listen;
      node.busGate = (await gates.create(node.name, node.busProxy)).listen;
      node.sourceAddress = nodeSourceAddress(i);
    }
    await writeTopologyState(this.state);
    await Promise.all(this.state.nodes.map((n) => this.startNode(n)));
    await writeTopologyState(this.state);
    const started = await this.opened();
    await this.createCluster(started, shardSlots);
    const health = await started.waitHealthy(s.healthTimeoutMs);
    if (!health.healthy) throw new TopologyStartError(`cluster ${this.id} not healthy within ${s.healthTimeoutMs} ms: ${describeProblems(health)}`);
    return started;
  }

  private async startNode(node: NodeRecord): Promise<void> {
    await this.launchNode(node, {
      render: (port) => this.renderNode(node, port),
      onPortMoved: async (port) => {
        // The bus port may have been the taken one: move it too, with its proxy.
        node.busPort = await freePort();
        await this.repointProxies(node.name, port, ['app', 'peer']);
        await this.repointProxies(node.name, node.busPort, ['bus']);
      },
    });
  }

  private async renderNode(node: NodeRecord, port: number): Promise<void> {
    const block = await renderClusterBlock(
      { nodeTimeoutMs: this.settings.nodeTimeoutMs, busPort: node.busPort!, announce: hostPort(node.peerProxy), announceBusPort: hostPort(node.busGate!).port, sourceAddress: node.sourceAddress! },
      this.state.tls !== undefined,
    );
    await this.writeNodeConfig(node, port, this.settings, block);
  }

  /**
   * What `redis-cli --cluster create` does, from code so that every address is the announced
   * (proxied) one: distinct config epochs, the slot ranges on the masters, every node meets node-0
   * through its peer and bus proxies, and once all know all, each replica follows its master.
   */
  private async createCluster(c: StartedCluster, shardSlots: Array<[number, number]>): Promise<void> {
    const { shards, replicasPerShard } = this.settings;
    const nodes = c.nodes;
    const ids = await Promise.all(nodes.map(async (n) => String(await n.control().call('CLUSTER', 'MYID'))));
    await Promise.all(nodes.map((n, i) => n.control().call('CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1))));
    await Promise.all(shardSlots.map(([a, b], k) => nodes[k]!.control().call('CLUSTER', 'ADDSLOTSRANGE', String(a), String(b))));
    const first = this.state.nodes[0]!;
    const meet = hostPort(first.peerProxy);
    const bus = hostPort(first.busGate!);
    await Promise.all(nodes.slice(1).map((n) => n.control().call('CLUSTER', 'MEET', meet.host, String(meet.port), String(bus.port))));
    const everyoneMet = await pollFor(async () => {
      for (const n of nodes) {
        const view = parseClusterNodes(String(await n.control().call('CLUSTER', 'NODES')));
        if (view.length !== nodes.length || view.some((x) => x.joining)) return false;
      }
      return true;
    }, this.settings.healthTimeoutMs, 100);
    if (!everyoneMet) throw new TopologyStartError(`cluster ${this.id}: the nodes did not all meet within ${this.settings.healthTimeoutMs} ms`);
    for (let k = 0; k < shards; k++) {
      for (let r = 0; r < replicasPerShard; r++) {
        const replica = nodes[shards + k * replicasPerShard + r]!;
        await replica.control().call('CLUSTER', 'REPLICATE', ids[k]!);
      }
    }
  }
}
