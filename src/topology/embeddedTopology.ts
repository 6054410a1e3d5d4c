import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { Toxiproxy } from 'toxiproxy-node-client';
import { generateCredentials, writeCredentials, type Credentials } from './credentials.js';
import { freePort } from './freePort.js';
import { topologiesDir } from './gauntletHome.js';
import { findBinaries, type Binaries } from './prerequisites.js';
import type { ServerAuth } from './redisProcess.js';
import { renderAclFile, renderNodeConfig, renderSentinelConfig, tlsBlockOf } from './serverConfigs.js';
import { ServerLauncher } from './serverLauncher.js';
import { clientTlsOptions, generateTlsFiles } from './tlsCertificates.js';
import { cleanupStaleTopologies } from './staleTopologies.js';
import { StartedTopology, hostPort } from './startedTopology.js';
import { forHealthyTopology, type HealthReport, type WaitStrategy } from './topologyHealth.js';
import { createProxy, startToxiproxy } from './toxiproxyServer.js';
import { writeTopologyState, type NodeRecord, type ProcessRecord, type SentinelRecord, type TopologyState } from './topologyState.js';

export interface TopologySettings {
  masterName: string;
  replicas: number;
  sentinels: number;
  quorum: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  minReplicasToWrite: number;
  minReplicasMaxLagS: number;
  maxmemory: string;
  healthTimeoutMs: number;
  /** TLS on every link with plaintext off; 'mtls' also requires client certificates. */
  tls: 'off' | 'tls' | 'mtls';
  /** 'harness': stopped when this process exits (watchdog included); 'detached': stays up. */
  ownership: 'harness' | 'detached';
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

export class TopologyStartError extends UserError {}

/**
 * Builder for the embedded HA topology (docs/architecture.md): 1 master, 2 replicas, 3 sentinels and one
 * toxiproxy-server, on 127.0.0.1 with free ports and a fresh directory.
 *
 *   await using topology = await new EmbeddedTopology().withDownAfterMs(2000).start();
 */
export class EmbeddedTopology {
  private settings: TopologySettings = { ...referenceSettings };
  private waitStrategy: WaitStrategy = forHealthyTopology;

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

  /** Durable mode sets 1: the master refuses writes without a replica within the lag. */
  withMinReplicasToWrite(n: number, maxLagS = referenceSettings.minReplicasMaxLagS): this {
    this.settings.minReplicasToWrite = n;
    this.settings.minReplicasMaxLagS = maxLagS;
    return this;
  }

  withMaxmemory(value: string): this {
    this.settings.maxmemory = value;
    return this;
  }

  withHealthTimeoutMs(ms: number): this {
    this.settings.healthTimeoutMs = ms;
    return this;
  }

  /** TLS for every client, replication and sentinel link (certificates per topology); `mutual` requires client certificates. */
  withTls(mutual = false): this {
    this.settings.tls = mutual ? 'mtls' : 'tls';
    return this;
  }

  detached(): this {
    this.settings.ownership = 'detached';
    return this;
  }

  /** How `start()` knows the topology is ready (default: every replica online, every sentinel in quorum). */
  withWaitStrategy(w: WaitStrategy): this {
    this.waitStrategy = w;
    return this;
  }

  async start(): Promise<StartedTopology> {
    const binaries = await findBinaries();
    await cleanupStaleTopologies();
    const starter = new TopologyStarter(this.settings, binaries, this.waitStrategy);
    try {
      return await starter.start();
    } catch (e) {
      await starter.abort();
      if (e instanceof UserError) throw e;
      throw new TopologyStartError(`embedded topology did not start: ${(e as Error).message}`);
    }
  }
}

/** One start attempt; owns the half-built state so a failure can undo exactly what was done. */
class TopologyStarter {
  private readonly id = `t-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  private readonly dir = join(topologiesDir(), this.id);
  private readonly credentials: Credentials = generateCredentials();
  private state!: TopologyState;
  private adminAuth: ServerAuth = this.credentials.admin;
  private launcher!: ServerLauncher;
  private started: StartedTopology | undefined;

  constructor(
    private readonly settings: TopologySettings,
    private readonly binaries: Binaries,
    private readonly waitStrategy: WaitStrategy,
  ) {}

  async start(): Promise<StartedTopology> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const credentialsFile = join(this.dir, 'credentials.json');
    await writeCredentials(credentialsFile, this.credentials);
    this.state = {
      schemaVersion: 1,
      id: this.id,
      dir: this.dir,
      createdAt: new Date().toISOString(),
      ownerPid: this.settings.ownership === 'harness' ? process.pid : null,
      masterName: this.settings.masterName,
      host: '127.0.0.1',
      toxiproxyApi: '',
      credentialsFile,
      settings: {
        downAfterMs: this.settings.downAfterMs,
        failoverTimeoutMs: this.settings.failoverTimeoutMs,
        minReplicasToWrite: this.settings.minReplicasToWrite,
        maxmemory: this.settings.maxmemory,
        tls: this.settings.tls,
      },
      nodes: [],
      sentinels: [],
      proxies: [],
      processes: [],
    };
    if (this.settings.tls !== 'off') {
      this.state.tls = await generateTlsFiles(await this.subdir('tls'), this.settings.tls === 'mtls');
      this.adminAuth = { ...this.credentials.admin, tls: clientTlsOptions(this.state.tls) };
    }
    await writeTopologyState(this.state);
    this.launcher = new ServerLauncher(this.state, this.adminAuth);
    if (this.settings.ownership === 'harness') await this.startWatchdog();

    const toxiDir = await this.subdir('toxiproxy');
    const toxiproxy = await startToxiproxy({
      binary: this.binaries.toxiproxyServer,
      cwd: toxiDir,
      logFile: join(toxiDir, 'toxiproxy.log'),
      onSpawn: (pid) => this.record({ name: 'toxiproxy', kind: 'toxiproxy', pid, cwd: toxiDir }),
    });
    this.state.toxiproxyApi = toxiproxy.api;
    await writeTopologyState(this.state);

    const nodeCount = this.settings.replicas + 1;
    for (let i = 0; i < nodeCount; i++) {
      const name = `node-${i}`;
      const controlPort = await freePort();
      const app = await createProxy(toxiproxy.client, `${name}-app`, `127.0.0.1:${controlPort}`);
      const peer = await createProxy(toxiproxy.client, `${name}-peer`, `127.0.0.1:${controlPort}`);
      const dataDir = await this.subdir(name);
      this.state.nodes.push({
        name, controlPort, appProxy: app.listen, peerProxy: peer.listen, dataDir,
        configFile: join(dataDir, 'redis.conf'), logFile: join(dataDir, 'redis.log'),
      });
      this.state.proxies.push(...[app, peer].map((p) => ({ name: p.name, listen: p.listen, upstream: p.upstream })));
    }
    const [masterNode, ...replicaNodes] = this.state.nodes;
    if (!masterNode) throw new Error('no nodes');
    await this.startNode(masterNode, null);
    await Promise.all(replicaNodes.map((n) => this.startNode(n, masterNode.peerProxy)));

    for (let j = 0; j < this.settings.sentinels; j++) {
      const name = `sentinel-${j}`;
      const port = await freePort();
      const app = await createProxy(toxiproxy.client, `${name}-app`, `127.0.0.1:${port}`);
      const dir = await this.subdir(name);
      this.state.sentinels.push({ name, port, appProxy: app.listen, configFile: join(dir, 'sentinel.conf'), logFile: join(dir, 'sentinel.log') });
      this.state.proxies.push({ name: app.name, listen: app.listen, upstream: app.upstream });
    }
    await Promise.all(this.state.sentinels.map((s) => this.startSentinel(s, masterNode.peerProxy)));
    await writeTopologyState(this.state);

    this.started = await StartedTopology.fromState(this.state);
    if (this.settings.ownership === 'harness') this.started.killOnExit();
    const health = await this.waitStrategy.waitUntilReady(this.started, this.settings.healthTimeoutMs);
    if (!health.healthy) throw new TopologyStartError(`topology ${this.id} not healthy within ${this.settings.healthTimeoutMs} ms (waited for ${this.waitStrategy.description}): ${describeProblems(health)}`);
    return this.started;
  }

  async abort(): Promise<void> {
    if (this.started) {
      await this.started.stop({ keepFiles: true });
      return;
    }
    if (!this.state) return;
    const partial = await StartedTopology.fromState(this.state).catch(() => undefined);
    await partial?.stop({ keepFiles: true });
  }

  private async subdir(name: string): Promise<string> {
    const d = join(this.dir, name);
    await mkdir(d, { recursive: true });
    return d;
  }

  private async record(p: ProcessRecord): Promise<void> {
    await this.launcher.record(p);
  }

  private async startNode(node: NodeRecord, masterPeer: string | null): Promise<void> {
    const launched = await this.launcher.launch({
      name: node.name,
      kind: 'redis',
      binary: this.binaries.redisServer,
      args: [node.configFile, ...(masterPeer ? ['--replicaof', ...masterPeer.split(':')] : [])],
      cwd: node.dataDir,
      logFile: node.logFile,
      port: node.controlPort,
      render: (port) => this.renderNode(node, port),
      onPortMoved: (port) => this.repointProxies(node.name, port),
    });
    node.controlPort = launched.port;
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

  /** A server moved to a new port: its proxies must lead there. */
  private async repointProxies(owner: string, port: number): Promise<void> {
    const client = new Toxiproxy(this.state.toxiproxyApi);
    for (const p of this.state.proxies.filter((x) => x.name.startsWith(`${owner}-`))) {
      const proxy = await client.get(p.name);
      await proxy.update({ enabled: true, listen: p.listen, upstream: `127.0.0.1:${port}` });
      p.upstream = `127.0.0.1:${port}`;
    }
  }

  private async renderNode(node: NodeRecord, port: number): Promise<void> {
    const aclFile = join(node.dataDir, 'users.acl');
    const conf = await renderNodeConfig(
      { bind: '127.0.0.1', port, dataDir: node.dataDir, logFile: node.logFile, announce: hostPort(node.peerProxy), aclFile, maxmemory: this.settings.maxmemory, minReplicasToWrite: this.settings.minReplicasToWrite, minReplicasMaxLagS: this.settings.minReplicasMaxLagS },
      this.credentials,
      tlsBlockOf(this.state.tls),
    );
    await writeFile(node.configFile, conf, { mode: 0o600 });
    await writeFile(aclFile, await renderAclFile(this.credentials), { mode: 0o600 });
  }

  private async renderSentinel(s: SentinelRecord, port: number, dir: string, masterPeer: string): Promise<void> {
    const conf = await renderSentinelConfig(
      { bind: '127.0.0.1', port, dir, logFile: s.logFile, masterName: this.settings.masterName, master: hostPort(masterPeer), quorum: this.settings.quorum, downAfterMs: this.settings.downAfterMs, failoverTimeoutMs: this.settings.failoverTimeoutMs },
      this.credentials,
      tlsBlockOf(this.state.tls),
    );
    await writeFile(s.configFile, conf, { mode: 0o600 });
  }

  /**
   * A separate process that outlives a SIGKILLed harness and then stops the topology, so a crash
   * leaves nothing running even before the next `up` or `down` cleans stale state.
   */
  private async startWatchdog(): Promise<void> {
    const script = fileURLToPath(new URL('./watchdog.ts', import.meta.url));
    // An absolute loader path: GAUNTLET_HOME may lie outside the project, where 'tsx' does not resolve.
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, String(process.pid), this.dir], {
      cwd: this.dir,
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    if (child.pid) await this.record({ name: 'watchdog', kind: 'watchdog', pid: child.pid, cwd: this.dir });
  }
}

export function describeProblems(h: HealthReport): string {
  return h.problems.join('; ') || 'unknown';
}
