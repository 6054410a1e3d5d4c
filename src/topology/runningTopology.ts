import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { rm } from 'node:fs/promises';
import { RedisNodeHandle, type SentinelHandle } from './nodeHandles.js';
import { writeCredentials, type AclUser, type Credentials } from './credentials.js';
import { isOurProcess, killNow, stopProcess, stopRecordedProcesses } from './processControl.js';
import type { ServerAuth } from './redisProcess.js';
import { ServerLauncher } from './serverLauncher.js';
import { clientTlsOptions } from './tlsCertificates.js';
import { writeTopologyState, type ProcessRecord, type TopologyState } from './topologyState.js';

/**
 * What every embedded topology gauntlet runs has, whatever its shape (Sentinel or Cluster): its
 * redis-server nodes with handles, its toxiproxy-server, its credentials, the launcher that
 * (re)starts its servers and records them, and the process hygiene: stop by pid after checking
 * the working directory, SIGKILL on an uncaught exit when owned, detach for `up --detach`.
 */
export abstract class RunningTopology implements AsyncDisposable {
  readonly nodes: readonly RedisNodeHandle[];
  readonly toxiproxy: Toxiproxy;
  /** The harness's admin credentials, with TLS options when the topology runs TLS. */
  readonly adminAuth: ServerAuth;
  /** Starts (and restarts) this topology's servers, recording each in state.json. */
  readonly launcher: ServerLauncher;
  /**
   * Which address app clients reach the nodes at: 'proxied' through each node's app proxy (so
   * faults on app links reach them), or 'direct' to the node's own port (no proxy cost in the
   * figures). Replication, sentinels and the cluster bus always cross the peer proxies.
   */
  dataPath: 'proxied' | 'direct' = 'proxied';
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private exitHandlerOn = false;
  private readonly exitHandler = (): void => this.killAllNow();

  protected constructor(
    protected readonly state: TopologyState,
    private creds: Credentials,
  ) {
    const admin = { ...creds.admin, tls: state.tls ? clientTlsOptions(state.tls) : undefined };
    this.adminAuth = admin;
    this.nodes = state.nodes.map((n) => new RedisNodeHandle(n, this.processRecord(n.name), state.dir, admin));
    this.toxiproxy = new Toxiproxy(state.toxiproxyApi);
    this.launcher = new ServerLauncher(state, admin);
  }

  protected processRecord(name: string): ProcessRecord {
    const p = this.state.processes.find((x) => x.name === name);
    if (!p) throw new Error(`state of ${this.state.id} has no process ${name}`);
    return p;
  }

  /** Handles whose control connections `closeControlConnections` closes (nodes, and sentinels where there are any). */
  protected controlHandles(): ReadonlyArray<RedisNodeHandle | SentinelHandle> {
    return this.nodes;
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
    for (const h of this.controlHandles()) h.closeControl();
  }

  /** Stops every process we started (sentinels first, so none fails over while nodes stop), then removes the directory. */
  stop(options: { keepFiles?: boolean } = {}): Promise<void> {
    this.stopping ??= this.stopAll(options);
    return this.stopping;
  }

  /**
   * The exit handler stays armed until every process is stopped: a harness dying half-way through
   * (seen: an EPIPE on stdout during stop, after the watchdog had been stopped) still kills the rest.
   */
  private async stopAll(options: { keepFiles?: boolean }): Promise<void> {
    this.closeControlConnections();
    await stopRecordedProcesses(this.state.processes, this.dir);
    this.stopped = true;
    process.off('exit', this.exitHandler);
    this.exitHandlerOn = false;
    if (!options.keepFiles) await rm(this.dir, { recursive: true, force: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Last resort on process exit (an uncaught error): synchronous SIGKILL of every server we own.
   * Not the watchdog: should this handler be cut short (an exit while stderr is a broken pipe left
   * every server running), the watchdog still sees its owner gone and stops them.
   */
  private killAllNow(): void {
    if (this.stopped) return;
    for (const p of this.state.processes) if (p.kind !== 'watchdog' && isOurProcess(p, this.dir)) killNow(p.pid);
  }

  protected async restartServer(h: RedisNodeHandle | SentinelHandle, kind: 'redis' | 'sentinel', binary: string, args: string[], cwd: string, logFile: string): Promise<void> {
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
