import type { Redis, RedisOptions } from 'ioredis';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RedisNodeHandle, SentinelHandle, type NodeRole } from './nodeHandles.js';
import { readCredentials, writeCredentials, type AclUser, type Credentials } from './credentials.js';
import { isOurProcess, killNow, stopProcess, stopRecordedProcesses } from './processControl.js';
import { findBinaries } from './prerequisites.js';
import type { ServerAuth } from './redisProcess.js';
import { ServerLauncher } from './serverLauncher.js';
import { clientTlsOptions } from './tlsCertificates.js';
import { checkHealth, forHealthyTopology, sentinelView, type HealthReport } from './topologyHealth.js';
import { readTopologyState, writeTopologyState, type ProcessRecord, type TopologyState } from './topologyState.js';

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
 * A running embedded topology: accessors for clients, nodes, sentinels and proxies, and stop().
 * Built by EmbeddedTopology.start() or attached to from its state file (a detached topology).
 */
export class StartedTopology implements AsyncDisposable {
  readonly nodes: readonly RedisNodeHandle[];
  readonly sentinels: readonly SentinelHandle[];
  readonly toxiproxy: Toxiproxy;
  /** The harness's admin credentials, with TLS options when the topology runs TLS. */
  readonly adminAuth: ServerAuth;
  /** Starts (and restarts) this topology's servers, recording each in state.json. */
  readonly launcher: ServerLauncher;
  /**
   * Which address app clients reach the nodes at: 'proxied' through each node's app proxy (so
   * faults on app links reach them), or 'direct' to the node's own port (no proxy cost in the
   * figures). Replication and sentinels always cross the peer proxies.
   */
  dataPath: 'proxied' | 'direct' = 'proxied';
  private stopped = false;
  private exitHandlerOn = false;
  private readonly exitHandler = (): void => this.killAllNow();

  private constructor(
    private readonly state: TopologyState,
    private creds: Credentials,
  ) {
    const credentials = creds;
    const admin = { ...credentials.admin, tls: state.tls ? clientTlsOptions(state.tls) : undefined };
    this.adminAuth = admin;
    const proc = (name: string): ProcessRecord => {
      const p = state.processes.find((x) => x.name === name);
      if (!p) throw new Error(`state of ${state.id} has no process ${name}`);
      return p;
    };
    this.nodes = state.nodes.map((n) => new RedisNodeHandle(n, proc(n.name), state.dir, admin));
    this.sentinels = state.sentinels.map((s) => new SentinelHandle(s, proc(s.name), state.dir, admin));
    this.toxiproxy = new Toxiproxy(state.toxiproxyApi);
    this.launcher = new ServerLauncher(state, admin);
  }

  /**
   * Last resort for a topology this process owns: on process exit (an uncaught error) every
   * server is SIGKILLed synchronously. Registered once, by whoever starts the topology.
   */
  killOnExit(): this {
    if (!this.exitHandlerOn) {
      process.on('exit', this.exitHandler);
      this.exitHandlerOn = true;
    }
    return this;
  }

  static async fromState(state: TopologyState): Promise<StartedTopology> {
    return new StartedTopology(state, await readCredentials(state.credentialsFile));
  }

  static async attach(dir: string): Promise<StartedTopology> {
    return StartedTopology.fromState(await readTopologyState(dir));
  }

  get credentials(): Credentials {
    return this.creds;
  }

  /**
   * Records a rotated password in the credentials file, so later runs, `gauntlet cli` and the
   * clients built from `clientOptions()` use it. The servers are changed by the caller.
   */
  async setPassword(user: AclUser, password: string): Promise<void> {
    this.creds = { ...this.creds, [user]: { username: this.creds[user].username, password } };
    await writeCredentials(this.state.credentialsFile, this.creds);
  }

  get id(): string {
    return this.state.id;
  }

  get dir(): string {
    return this.state.dir;
  }

  get masterName(): string {
    return this.state.masterName;
  }

  get credentialsFile(): string {
    return this.state.credentialsFile;
  }

  get settings(): TopologyState['settings'] {
    return this.state.settings;
  }

  get toxiproxyApi(): string {
    return this.state.toxiproxyApi;
  }

  get isDetached(): boolean {
    return this.state.ownerPid === null;
  }

  get snapshot(): Readonly<TopologyState> {
    return this.state;
  }

  node(name: string): RedisNodeHandle {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} in topology ${this.id}`);
    return n;
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

  async proxy(name: string): Promise<Proxy> {
    return this.toxiproxy.get(name);
  }

  /** Cuts (false) or restores (true) one link; toxiproxy's update needs listen and upstream too. */
  async setProxyEnabled(name: string, enabled: boolean): Promise<void> {
    const p = await this.toxiproxy.get(name);
    await p.update({ enabled, listen: p.listen, upstream: p.upstream });
  }

  /** Enables every proxy and removes every toxic: the reset after a chaos experiment. */
  async resetProxies(): Promise<void> {
    await this.toxiproxy.reset();
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

  /** Hands the topology over to nobody: it stays up after this process exits (`up --detach`). */
  async detach(): Promise<void> {
    const watchdog = this.state.processes.find((p) => p.kind === 'watchdog');
    if (watchdog) {
      await stopProcess(watchdog.pid, 1000);
      this.state.processes = this.state.processes.filter((p) => p !== watchdog);
    }
    this.state.ownerPid = null;
    await writeTopologyState(this.state);
    process.off('exit', this.exitHandler);
    this.exitHandlerOn = false;
    this.closeControlConnections();
  }

  closeControlConnections(): void {
    for (const h of [...this.nodes, ...this.sentinels]) h.closeControl();
  }

  /** Stops every process we started (sentinels first, so none fails over while nodes stop), then removes the directory. */
  async stop(options: { keepFiles?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.closeControlConnections();
    await stopRecordedProcesses(this.state.processes, this.dir);
    process.off('exit', this.exitHandler);
    this.exitHandlerOn = false;
    if (!options.keepFiles) await rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Last resort on process exit (an uncaught error): synchronous SIGKILL of everything we own. */
  private killAllNow(): void {
    if (this.stopped) return;
    for (const p of this.state.processes) if (isOurProcess(p, this.dir)) killNow(p.pid);
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

  private async restartServer(h: RedisNodeHandle | SentinelHandle, kind: 'redis' | 'sentinel', binary: string, args: string[], cwd: string, logFile: string): Promise<void> {
    h.closeControl();
    await this.launcher.launch({ name: h.name, kind, binary, args, cwd, logFile, port: h.controlPort });
  }

  /** Records a process started beside the topology (an exporter, Prometheus) so cleanup finds it. */
  async recordProcess(record: ProcessRecord): Promise<void> {
    await this.launcher.record(record);
  }
}

export function hostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i), port: Number(address.slice(i + 1)) };
}
