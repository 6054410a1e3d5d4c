import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { freePort } from './freePort.js';
import type { Binaries } from './prerequisites.js';
import { renderSentinelConfig, tlsBlockOf } from './serverConfigs.js';
import { StartedTopology, hostPort } from './startedTopology.js';
import { forHealthyTopology, type HealthReport, type WaitStrategy } from './topologyHealth.js';
import { TopologyBuilder, TopologyStarter, TopologyStartError, type CommonTopologySettings } from './topologyStarter.js';

export { TopologyStartError };
import { createProxy } from './toxiproxyServer.js';
import { writeTopologyState, type NodeRecord, type SentinelRecord, type TopologyState } from './topologyState.js';

export interface TopologySettings extends CommonTopologySettings {
  masterName: string;
  replicas: number;
  sentinels: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
}

/**
 * Reference values (docs/deployment-settings.md). down-after 3 s: a failover (sdown, odown,
 * election, promotion) completes in about 4-6 s, far inside the 30 s goal, yet a short stall
 * (fork for BGSAVE, a GC pause in a proxy) does not trigger one. min-replicas-max-lag 2 s (used
 * when min-replicas-to-write is 1) stays under down-after, so a master cut off from its replicas
 * stops taking writes by the time the sentinels promote another, not after it.
 */
export const referenceSettings: TopologySettings = {
  masterName: 'gauntlet',
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  downAfterMs: 3000,
  failoverTimeoutMs: 10_000,
  minReplicasToWrite: 0,
  minReplicasMaxLagS: 2,
  maxmemory: '1gb',
  healthTimeoutMs: 30_000,
  tls: 'off',
  ownership: 'harness',
};

/**
 * Builder for the embedded HA topology (docs/architecture.md): 1 master, 2 replicas, 3 sentinels and one
 * toxiproxy-server, on 127.0.0.1 with free ports and a fresh directory.
 *
 *   await using topology = await new EmbeddedTopology().withDownAfterMs(2000).start();
 */
export class EmbeddedTopology extends TopologyBuilder<TopologySettings, StartedTopology> {
  private waitStrategy: WaitStrategy = forHealthyTopology;

  constructor() {
    super({ ...referenceSettings }, 'embedded topology');
  }

  withMasterName(name: string): this {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new UserError(`master name "${name}" may only contain letters, digits, _ and -`);
    this.settings.masterName = name;
    return this;
  }

  withDownAfterMs(ms: number): this {
    this.settings.downAfterMs = ms;
    return this;
  }

  withFailoverTimeoutMs(ms: number): this {
    this.settings.failoverTimeoutMs = ms;
    return this;
  }

  /** How `start()` knows the topology is ready (default: every replica online, every sentinel in quorum). */
  withWaitStrategy(w: WaitStrategy): this {
    this.waitStrategy = w;
    return this;
  }

  protected starter(binaries: Binaries): SentinelTopologyStarter {
    return new SentinelTopologyStarter(this.settings, binaries, this.waitStrategy);
  }
}

/** One start attempt of the Sentinel topology. */
class SentinelTopologyStarter extends TopologyStarter<StartedTopology> {
  constructor(
    private readonly settings: TopologySettings,
    binaries: Binaries,
    private readonly waitStrategy: WaitStrategy,
  ) {
    super(binaries, settings.ownership, settings.tls);
  }

  protected open(state: TopologyState): Promise<StartedTopology> {
    return StartedTopology.fromState(state);
  }

  async start(): Promise<StartedTopology> {
    await this.foundation({
      kind: 'sentinel',
      masterName: this.settings.masterName,
      settings: {
        downAfterMs: this.settings.downAfterMs,
        failoverTimeoutMs: this.settings.failoverTimeoutMs,
        minReplicasToWrite: this.settings.minReplicasToWrite,
        maxmemory: this.settings.maxmemory,
        tls: this.settings.tls,
      },
    });
    for (let i = 0; i < this.settings.replicas + 1; i++) await this.addNode(`node-${i}`);
    const [masterNode, ...replicaNodes] = this.state.nodes;
    if (!masterNode) throw new Error('no nodes');
    await this.startNode(masterNode, null);
    await Promise.all(replicaNodes.map((n) => this.startNode(n, masterNode.peerProxy)));

    for (let j = 0; j < this.settings.sentinels; j++) {
      const name = `sentinel-${j}`;
      const port = await freePort();
      const app = await createProxy(this.toxiproxy.client, `${name}-app`, `127.0.0.1:${port}`);
      const dir = await this.subdir(name);
      this.state.sentinels.push({ name, port, appProxy: app.listen, configFile: join(dir, 'sentinel.conf'), logFile: join(dir, 'sentinel.log') });
      this.state.proxies.push({ name: app.name, listen: app.listen, upstream: app.upstream });
    }
    await Promise.all(this.state.sentinels.map((s) => this.startSentinel(s, masterNode.peerProxy)));
    await writeTopologyState(this.state);

    const started = await this.opened();
    const health = await this.waitStrategy.waitUntilReady(started, this.settings.healthTimeoutMs);
    if (!health.healthy) throw new TopologyStartError(`topology ${this.id} not healthy within ${this.settings.healthTimeoutMs} ms (waited for ${this.waitStrategy.description}): ${describeProblems(health)}`);
    return started;
  }

  private async startNode(node: NodeRecord, masterPeer: string | null): Promise<void> {
    await this.launchNode(node, {
      args: masterPeer ? ['--replicaof', ...masterPeer.split(':')] : [],
      render: (port) => this.writeNodeConfig(node, port, this.settings),
      onPortMoved: (port) => this.repointProxies(node.name, port),
    });
  }

  private async startSentinel(sentinel: SentinelRecord, masterPeer: string): Promise<void> {
    const dir = join(this.dir, sentinel.name);
    const launched = await this.launcher.launch({
      name: sentinel.name,
      kind: 'sentinel',
      binary: this.binaries.redisSentinel,
      args: [sentinel.configFile],
      cwd: dir,
      logFile: sentinel.logFile,
      port: sentinel.port,
      render: (port) => this.renderSentinel(sentinel, port, dir, masterPeer),
      onPortMoved: (port) => this.repointProxies(sentinel.name, port),
    });
    sentinel.port = launched.port;
  }

  private async renderSentinel(s: SentinelRecord, port: number, dir: string, masterPeer: string): Promise<void> {
    const conf = await renderSentinelConfig(
      { bind: '127.0.0.1', port, dir, logFile: s.logFile, masterName: this.settings.masterName, master: hostPort(masterPeer), quorum: this.settings.quorum, downAfterMs: this.settings.downAfterMs, failoverTimeoutMs: this.settings.failoverTimeoutMs },
      this.credentials,
      tlsBlockOf(this.state.tls),
    );
    await writeFile(s.configFile, conf, { mode: 0o600 });
  }
}

export function describeProblems(h: HealthReport): string {
  return h.problems.join('; ') || 'unknown';
}
