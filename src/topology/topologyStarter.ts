import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Toxiproxy } from 'toxiproxy-node-client';
import { UserError } from '../errors.js';
import { generateCredentials, writeCredentials, type Credentials } from './credentials.js';
import { freePort } from './freePort.js';
import { topologiesDir } from './gauntletHome.js';
import { findBinaries, type Binaries } from './prerequisites.js';
import type { ServerAuth } from './redisProcess.js';
import type { RunningTopology } from './runningTopology.js';
import { hostPort } from './runningTopology.js';
import { renderAclFile, renderNodeConfig, tlsBlockOf } from './serverConfigs.js';
import { ServerLauncher, type ServerLaunch } from './serverLauncher.js';
import { cleanupStaleTopologies } from './staleTopologies.js';
import { clientTlsOptions, generateTlsFiles } from './tlsCertificates.js';
import { createProxy, startToxiproxy, type StartedToxiproxy } from './toxiproxyServer.js';
import { writeTopologyState, type NodeRecord, type ProcessRecord, type TopologyState } from './topologyState.js';

/** What the node config needs beyond its addresses: the same for Sentinel and Cluster nodes. */
export interface NodeSettings {
  maxmemory: string;
  minReplicasToWrite: number;
  minReplicasMaxLagS: number;
}

export class TopologyStartError extends UserError {}

/** Settings every topology shape has. */
export interface CommonTopologySettings extends NodeSettings {
  healthTimeoutMs: number;
  /** TLS on every link with plaintext off; 'mtls' also requires client certificates. */
  tls: 'off' | 'tls' | 'mtls';
  /** 'harness': stopped when this process exits (watchdog included); 'detached': stays up. */
  ownership: 'harness' | 'detached';
}

/**
 * The builder half every topology shape shares (testcontainers style): the common settings, and
 * `start()`, which finds the binaries, cleans what killed runs left, and undoes a failed attempt.
 */
export abstract class TopologyBuilder<S extends CommonTopologySettings, T extends RunningTopology> {
  protected constructor(
    protected readonly settings: S,
    /** "embedded topology", "embedded cluster": for the error when it does not start. */
    private readonly what: string,
  ) {}

  protected abstract starter(binaries: Binaries): TopologyStarter<T>;

  /** Durable mode sets 1: a master refuses writes without a replica within the lag. */
  withMinReplicasToWrite(n: number, maxLagS = this.settings.minReplicasMaxLagS): this {
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

  /** TLS for every link (certificates per topology); `mutual` requires client certificates. */
  withTls(mutual = false): this {
    this.settings.tls = mutual ? 'mtls' : 'tls';
    return this;
  }

  detached(): this {
    this.settings.ownership = 'detached';
    return this;
  }

  async start(): Promise<T> {
    const binaries = await findBinaries();
    await cleanupStaleTopologies();
    const starter = this.starter(binaries);
    try {
      return await starter.start();
    } catch (e) {
      await starter.abort();
      if (e instanceof UserError) throw e;
      throw new TopologyStartError(`${this.what} did not start: ${(e as Error).message}`);
    }
  }
}

/** The parts of state.json a topology's shape decides. */
export type TopologyShape = Pick<TopologyState, 'masterName' | 'settings' | 'kind' | 'cluster'>;

/**
 * One start attempt of an embedded topology; owns the half-built state so a failure can undo
 * exactly what was done. The shape (Sentinel, Cluster) adds its servers on this foundation:
 * a fresh directory, random credentials, state.json written before anything starts, TLS files,
 * the watchdog when the harness owns the topology, and one toxiproxy-server.
 */
export abstract class TopologyStarter<T extends RunningTopology> {
  protected readonly id = `t-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  protected readonly dir = join(topologiesDir(), this.id);
  protected readonly credentials: Credentials = generateCredentials();
  protected state!: TopologyState;
  protected adminAuth: ServerAuth = this.credentials.admin;
  protected launcher!: ServerLauncher;
  protected toxiproxy!: StartedToxiproxy;
  protected started: T | undefined;

  constructor(
    protected readonly binaries: Binaries,
    private readonly ownership: 'harness' | 'detached',
    private readonly tls: 'off' | 'tls' | 'mtls',
  ) {}

  abstract start(): Promise<T>;

  /** Opens the topology from its state (also a half-built one, to stop what it started). */
  protected abstract open(state: TopologyState): Promise<T>;

  protected async foundation(shape: TopologyShape): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const credentialsFile = join(this.dir, 'credentials.json');
    await writeCredentials(credentialsFile, this.credentials);
    this.state = {
      schemaVersion: 1,
      id: this.id,
      dir: this.dir,
      createdAt: new Date().toISOString(),
      ownerPid: this.ownership === 'harness' ? process.pid : null,
      host: '127.0.0.1',
      toxiproxyApi: '',
      credentialsFile,
      ...shape,
      nodes: [],
      sentinels: [],
      proxies: [],
      processes: [],
    };
    if (this.tls !== 'off') {
      this.state.tls = await generateTlsFiles(await this.subdir('tls'), this.tls === 'mtls');
      this.adminAuth = { ...this.credentials.admin, tls: clientTlsOptions(this.state.tls) };
    }
    await writeTopologyState(this.state);
    this.launcher = new ServerLauncher(this.state, this.adminAuth);
    if (this.ownership === 'harness') await this.startWatchdog();

    const toxiDir = await this.subdir('toxiproxy');
    this.toxiproxy = await startToxiproxy({
      binary: this.binaries.toxiproxyServer,
      cwd: toxiDir,
      logFile: join(toxiDir, 'toxiproxy.log'),
      onSpawn: (pid) => this.record({ name: 'toxiproxy', kind: 'toxiproxy', pid, cwd: toxiDir }),
    });
    this.state.toxiproxyApi = this.toxiproxy.api;
    await writeTopologyState(this.state);
  }

  /** Opens the started topology, registers the exit handler when the harness owns it. */
  protected async opened(): Promise<T> {
    this.started = await this.open(this.state);
    if (this.ownership === 'harness') this.started.killOnExit();
    return this.started;
  }

  async abort(): Promise<void> {
    if (this.started) {
      await this.started.stop({ keepFiles: true });
      return;
    }
    if (!this.state) return;
    const partial = await this.open(this.state).catch(() => undefined);
    await partial?.stop({ keepFiles: true });
  }

  protected async subdir(name: string): Promise<string> {
    const d = join(this.dir, name);
    await mkdir(d, { recursive: true });
    return d;
  }

  protected async record(p: ProcessRecord): Promise<void> {
    await this.launcher.record(p);
  }

  /**
   * A node's record, its directory and its proxies (`<name>-app`, `<name>-peer`, and the others
   * named, e.g. `bus` for a cluster node's bus) on a free control port; nothing is started yet.
   */
  protected async addNode(name: string, more: Array<{ suffix: string; upstreamPort: number }> = []): Promise<NodeRecord> {
    const controlPort = await freePort();
    const proxies = [];
    for (const p of [{ suffix: 'app', upstreamPort: controlPort }, { suffix: 'peer', upstreamPort: controlPort }, ...more]) {
      proxies.push(await createProxy(this.toxiproxy.client, `${name}-${p.suffix}`, `127.0.0.1:${p.upstreamPort}`));
    }
    const [app, peer] = proxies as [typeof proxies[number], typeof proxies[number]];
    const dataDir = await this.subdir(name);
    const node: NodeRecord = { name, controlPort, appProxy: app.listen, peerProxy: peer.listen, dataDir, configFile: join(dataDir, 'redis.conf'), logFile: join(dataDir, 'redis.log') };
    this.state.nodes.push(node);
    this.state.proxies.push(...proxies.map((p) => ({ name: p.name, listen: p.listen, upstream: p.upstream })));
    return node;
  }

  /**
   * Starts a node's redis-server on its control port (`args` after its config file): `render`
   * writes its config for the port it gets, `onPortMoved` follows when that port was taken.
   */
  protected async launchNode(node: NodeRecord, launch: Pick<ServerLaunch, 'render' | 'onPortMoved'> & { args?: string[] }): Promise<void> {
    const launched = await this.launcher.launch({
      name: node.name,
      kind: 'redis',
      binary: this.binaries.redisServer,
      args: [node.configFile, ...(launch.args ?? [])],
      cwd: node.dataDir,
      logFile: node.logFile,
      port: node.controlPort,
      render: launch.render,
      onPortMoved: launch.onPortMoved,
    });
    node.controlPort = launched.port;
  }

  /** Writes a node's redis.conf (the reference template, TLS block, then `extra`) and its ACL file. */
  protected async writeNodeConfig(node: NodeRecord, port: number, settings: NodeSettings, extra = ''): Promise<void> {
    const aclFile = join(node.dataDir, 'users.acl');
    const conf = await renderNodeConfig(
      { bind: '127.0.0.1', port, dataDir: node.dataDir, logFile: node.logFile, announce: hostPort(node.peerProxy), aclFile, maxmemory: settings.maxmemory, minReplicasToWrite: settings.minReplicasToWrite, minReplicasMaxLagS: settings.minReplicasMaxLagS },
      this.credentials,
      tlsBlockOf(this.state.tls),
    );
    await writeFile(node.configFile, conf + (extra ? `\n${extra}` : ''), { mode: 0o600 });
    await writeFile(aclFile, await renderAclFile(this.credentials), { mode: 0o600 });
  }

  /** A server moved to a new port: its proxies whose upstream was the old port must lead there. */
  protected async repointProxies(owner: string, port: number, suffixes?: readonly string[]): Promise<void> {
    const client = new Toxiproxy(this.state.toxiproxyApi);
    for (const p of this.state.proxies.filter((x) => x.name.startsWith(`${owner}-`) && (!suffixes || suffixes.some((s) => x.name === `${owner}-${s}`)))) {
      const proxy = await client.get(p.name);
      await proxy.update({ enabled: true, listen: p.listen, upstream: `127.0.0.1:${port}` });
      p.upstream = `127.0.0.1:${port}`;
    }
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
