import type { Redis, RedisOptions } from 'ioredis';
import { dirname } from 'node:path';
import { type RedisNodeHandle, SentinelHandle, type NodeRole } from './nodeHandles.js';
import { readCredentials, type Credentials } from './credentials.js';
import { findBinaries } from './prerequisites.js';
import { hostPort, RunningTopology } from './runningTopology.js';
import { clientTlsOptions } from './tlsCertificates.js';
import { checkHealth, forHealthyTopology, sentinelView, type HealthReport } from './topologyHealth.js';
import { readTopologyState, type TopologyState } from './topologyState.js';

export type { HealthReport, SentinelHealth } from './topologyHealth.js';

export interface NodeStatus {
  name: string;
  role: NodeRole;
  pid: number;
  controlPort: number;
  appProxy: string;
  peerProxy: string;
}

/**
 * A running embedded Sentinel topology: accessors for clients, nodes, sentinels and proxies, and
 * stop(). Built by EmbeddedTopology.start() or attached to from its state file (a detached topology).
 */
export class StartedTopology extends RunningTopology {
  readonly sentinels: readonly SentinelHandle[];

  private constructor(state: TopologyState, creds: Credentials) {
    super(state, creds);
    this.sentinels = state.sentinels.map((s) => new SentinelHandle(s, this.processRecord(s.name), state.dir, this.adminAuth));
  }

  static async fromState(state: TopologyState): Promise<StartedTopology> {
    return new StartedTopology(state, await readCredentials(state.credentialsFile));
  }

  static async attach(dir: string): Promise<StartedTopology> {
    return StartedTopology.fromState(await readTopologyState(dir));
  }

  protected override controlHandles(): ReadonlyArray<RedisNodeHandle | SentinelHandle> {
    return [...this.nodes, ...this.sentinels];
  }

  get masterName(): string {
    return this.state.masterName;
  }

  /** Sentinel addresses for application clients: through the `sentinel-j-app` proxies. */
  get sentinelAppAddresses(): Array<{ host: string; port: number }> {
    return this.state.sentinels.map((s) => hostPort(s.appProxy));
  }

  /**
   * ioredis natMap: every announced peer address (what sentinels report) maps to the node's app
   * proxy, so application traffic crosses `node-i-app` while replication crosses `node-i-peer`;
   * on the direct data path it maps to the node's own port instead.
   */
  get natMap(): Record<string, { host: string; port: number }> {
    return Object.fromEntries(this.state.nodes.map((n) => [n.peerProxy, this.dataPath === 'direct' ? { host: '127.0.0.1', port: n.controlPort } : hostPort(n.appProxy)]));
  }

  /**
   * Options for an application client (ioredis) connecting like the auth service would: through
   * sentinels, as the least-privileged `app` user. `updateSentinels: false` keeps clients on the
   * sentinel app proxies; sentinels announce their direct ports, which would bypass fault injection.
   */
  clientOptions(overrides: Partial<RedisOptions> = {}): RedisOptions {
    const app = this.credentials.app;
    return {
      sentinels: this.sentinelAppAddresses,
      name: this.masterName,
      username: app.username,
      password: app.password,
      sentinelUsername: app.username,
      sentinelPassword: app.password,
      natMap: this.natMap,
      updateSentinels: false,
      ...(this.state.tls ? { tls: clientTlsOptions(this.state.tls), enableTLSForSentinelMode: true, sentinelTLS: clientTlsOptions(this.state.tls) } : {}),
      ...overrides,
    };
  }

  /** The node the sentinels (asked directly, bypassing proxies) name as master, by majority. */
  async currentMaster(): Promise<RedisNodeHandle | null> {
    const votes = new Map<string, number>();
    for (const s of this.sentinels) {
      if (!s.isRunning()) continue;
      try {
        const addr = (await s.control().call('SENTINEL', 'get-master-addr-by-name', this.masterName)) as [string, string] | null;
        if (addr) votes.set(`${addr[0]}:${addr[1]}`, (votes.get(`${addr[0]}:${addr[1]}`) ?? 0) + 1);
      } catch {
        // a sentinel that does not answer has no vote
      }
    }
    const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
    if (!best) return null;
    return this.nodes.find((n) => n.announcedAddress === best[0]) ?? null;
  }

  async nodeStatuses(): Promise<NodeStatus[]> {
    return Promise.all(
      this.nodes.map(async (n) => ({
        name: n.name,
        role: await n.role(),
        pid: n.pid,
        controlPort: n.controlPort,
        appProxy: n.record.appProxy,
        peerProxy: n.record.peerProxy,
      })),
    );
  }

  async health(): Promise<HealthReport> {
    return checkHealth(this);
  }

  /** What one sentinel (any connection to it) knows of the master: replicas and other sentinels. */
  async sentinelView(c: Redis): Promise<{ replicas: number; others: number }> {
    return sentinelView(c, this.masterName);
  }

  /** True when the sentinel knows every replica and every other sentinel of the topology. */
  async sentinelKnowsAll(s: SentinelHandle): Promise<boolean> {
    const v = await this.sentinelView(s.control());
    return v.replicas === this.nodes.length - 1 && v.others === this.sentinels.length - 1;
  }

  async waitHealthy(timeoutMs = 30_000): Promise<HealthReport> {
    return forHealthyTopology.waitUntilReady(this, timeoutMs);
  }

  /**
   * Restarts a node that died (a chaos step killed it) on its own config and data directory. It
   * starts as a replica of the current master, so there is never a second master; sentinels
   * then see it as a replica again.
   */
  async restartNode(name: string): Promise<void> {
    const node = this.node(name);
    if (node.isRunning()) return;
    const master = await this.currentMaster();
    const args = [node.record.configFile, ...(master && master !== node ? ['--replicaof', ...master.announcedAddress.split(':')] : [])];
    await this.restartServer(node, 'redis', (await findBinaries()).redisServer, args, node.record.dataDir, node.record.logFile);
  }

  /** Restarts a sentinel that died, on its own (sentinel-rewritten) config. */
  async restartSentinel(name: string): Promise<void> {
    const s = this.sentinels.find((x) => x.name === name);
    if (!s) throw new Error(`no sentinel ${name} in topology ${this.id}`);
    if (s.isRunning()) return;
    await this.restartServer(s, 'sentinel', (await findBinaries()).redisSentinel, [s.record.configFile], dirname(s.record.configFile), s.record.logFile);
  }
}

export { hostPort };
