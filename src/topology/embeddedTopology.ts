import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { renderComposeFile } from './configTemplate.js';
import { generateCredentials, writeCredentials, type Credentials } from './credentials.js';
import { freePort } from './freePort.js';
import { topologiesDir } from './gauntletHome.js';
import { findBinaries, type Binaries } from './prerequisites.js';
import { PortInUseError, startRedisLike, type ServerAuth } from './redisProcess.js';
import { clientTlsOptions, generateTlsFiles } from './tlsCertificates.js';
import { cleanupStaleTopologies } from './staleTopologies.js';
import { StartedTopology, type HealthReport } from './startedTopology.js';
import { createProxy, startToxiproxy } from './toxiproxyServer.js';
import { upsertProcess, writeTopologyState, type NodeRecord, type ProcessRecord, type SentinelRecord, type TopologyState } from './topologyState.js';

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
 * Builder for the embedded HA topology of design.md: 1 master, 2 replicas, 3 sentinels and one
 * toxiproxy-server, on 127.0.0.1 with free ports and a fresh directory.
 *
 *   await using topology = await new EmbeddedTopology().withDownAfterMs(2000).start();
 */
export class EmbeddedTopology {
  private settings: TopologySettings = { ...referenceSettings };

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

  async start(): Promise<StartedTopology> {
    const binaries = await findBinaries();
    await cleanupStaleTopologies();
    const starter = new TopologyStarter(this.settings, binaries);
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
  private started: StartedTopology | undefined;

  constructor(
    private readonly settings: TopologySettings,
    private readonly binaries: Binaries,
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
    const health = await this.started.waitHealthy(this.settings.healthTimeoutMs);
    if (!health.healthy) throw new TopologyStartError(`topology ${this.id} not healthy within ${this.settings.healthTimeoutMs} ms: ${describeProblems(health)}`);
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
    await upsertProcess(this.state, p);
  }

  private async startNode(node: NodeRecord, masterPeer: string | null): Promise<void> {
    await this.startWithPortRetry({
      name: node.name,
      kind: 'redis',
      binary: this.binaries.redisServer,
      args: [node.configFile, ...(masterPeer ? ['--replicaof', ...masterPeer.split(':')] : [])],
      cwd: node.dataDir,
      logFile: node.logFile,
      port: () => node.controlPort,
      movePort: (p) => (node.controlPort = p),
      render: () => this.renderNodeConfig(node),
    });
  }

  private async startSentinel(sentinel: SentinelRecord, masterPeer: string): Promise<void> {
    const dir = join(this.dir, sentinel.name);
    await this.startWithPortRetry({
      name: sentinel.name,
      kind: 'sentinel',
      binary: this.binaries.redisSentinel,
      args: [sentinel.configFile],
      cwd: dir,
      logFile: sentinel.logFile,
      port: () => sentinel.port,
      movePort: (p) => (sentinel.port = p),
      render: () => this.renderSentinelConfig(sentinel, dir, masterPeer),
    });
  }

  /**
   * Renders the config and starts the server; when its port was taken between choosing and
   * binding, moves it to a new port, re-points its proxies and tries again (3 attempts).
   */
  private async startWithPortRetry(o: {
    name: string;
    kind: 'redis' | 'sentinel';
    binary: string;
    args: string[];
    cwd: string;
    logFile: string;
    port: () => number;
    movePort: (port: number) => void;
    render: () => Promise<void>;
  }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await o.render();
      try {
        await startRedisLike({
          what: `${o.kind === 'redis' ? 'redis-server' : 'redis-sentinel'} ${o.name}`,
          binary: o.binary,
          args: o.args,
          cwd: o.cwd,
          logFile: o.logFile,
          port: o.port(),
          auth: this.adminAuth,
          onSpawn: (pid) => this.record({ name: o.name, kind: o.kind, pid, cwd: o.cwd }),
        });
        return;
      } catch (e) {
        if (!(e instanceof PortInUseError) || attempt >= 3) throw e;
        o.movePort(await freePort());
        await this.repointProxies(o.name, o.port());
      }
    }
  }

  private async repointProxies(owner: string, port: number): Promise<void> {
    const client = (await StartedTopology.fromState(this.state)).toxiproxy;
    for (const p of this.state.proxies.filter((x) => x.name.startsWith(`${owner}-`))) {
      const proxy = await client.get(p.name);
      await proxy.update({ enabled: true, listen: p.listen, upstream: `127.0.0.1:${port}` });
      p.upstream = `127.0.0.1:${port}`;
    }
  }

  private async renderNodeConfig(node: NodeRecord): Promise<void> {
    const c = this.credentials;
    const [announceIp, announcePort] = node.peerProxy.split(':') as [string, string];
    const conf = await renderComposeFile('redis.conf.tmpl', {
      BIND: '127.0.0.1',
      PORT: node.controlPort,
      DATA_DIR: node.dataDir,
      LOG_FILE: node.logFile,
      ANNOUNCE_IP: announceIp,
      ANNOUNCE_PORT: announcePort,
      REPLICATION_PASSWORD: c.replicator.password,
      ACL_FILE: join(node.dataDir, 'users.acl'),
      MAXMEMORY: this.settings.maxmemory,
      MIN_REPLICAS_TO_WRITE: this.settings.minReplicasToWrite,
      MIN_REPLICAS_MAX_LAG: this.settings.minReplicasMaxLagS,
    });
    const acl = await renderComposeFile('users.acl.tmpl', {
      ADMIN_PASSWORD: c.admin.password,
      REPLICATION_PASSWORD: c.replicator.password,
      SENTINEL_PASSWORD: c.sentinel.password,
      MONITORING_PASSWORD: c.monitoring.password,
      APP_PASSWORD: c.app.password,
      BACKUP_PASSWORD: c.backup.password,
    });
    await writeFile(node.configFile, conf + (await this.tlsBlock(node.controlPort)), { mode: 0o600 });
    await writeFile(join(node.dataDir, 'users.acl'), acl, { mode: 0o600 });
  }

  private async renderSentinelConfig(s: SentinelRecord, dir: string, masterPeer: string): Promise<void> {
    const c = this.credentials;
    const [masterIp, masterPort] = masterPeer.split(':') as [string, string];
    const conf = await renderComposeFile('sentinel.conf.tmpl', {
      BIND: '127.0.0.1',
      PORT: s.port,
      DATA_DIR: dir,
      LOG_FILE: s.logFile,
      MASTER_NAME: this.settings.masterName,
      MASTER_IP: masterIp,
      MASTER_PORT: masterPort,
      RESOLVE_HOSTNAMES: 'no',
      QUORUM: this.settings.quorum,
      SENTINEL_PASSWORD: c.sentinel.password,
      DOWN_AFTER_MS: this.settings.downAfterMs,
      FAILOVER_TIMEOUT_MS: this.settings.failoverTimeoutMs,
      SENTINEL_PEER_PASSWORD: c['sentinel-peer'].password,
      ADMIN_PASSWORD: c.admin.password,
      APP_PASSWORD: c.app.password,
      MONITORING_PASSWORD: c.monitoring.password,
    });
    await writeFile(s.configFile, conf + (await this.tlsBlock(s.port)), { mode: 0o600 });
  }

  /** compose/tls.conf.tmpl, appended after the main config so its `port 0` wins. */
  private async tlsBlock(port: number): Promise<string> {
    const tls = this.state.tls;
    if (!tls) return '';
    return `\n${await renderComposeFile('tls.conf.tmpl', { PORT: port, TLS_CERT: tls.cert, TLS_KEY: tls.key, TLS_CA: tls.ca, TLS_AUTH_CLIENTS: tls.mutual ? 'yes' : 'optional' })}`;
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
