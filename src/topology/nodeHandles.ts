import type { Redis } from 'ioredis';
import { directClient, type ServerAuth } from './redisProcess.js';
import { isOurProcess } from './processControl.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeRecord, ProcessRecord, SentinelRecord } from './topologyState.js';
import { parseInfo } from './replicationInfo.js';

export type NodeRole = 'master' | 'replica' | 'down';

type Auth = ServerAuth;

/** Shared by nodes and sentinels: a process we started, with one lazily opened control connection. */
abstract class ServerHandle {
  private controlClient: Redis | undefined;

  constructor(
    protected readonly process: ProcessRecord,
    private readonly topologyDir: string,
    private readonly auth: Auth,
    readonly controlPort: number,
  ) {}

  abstract readonly name: string;

  get pid(): number {
    return this.process.pid;
  }

  /** True while the process we started runs (a SIGSTOPped process counts as running). */
  isRunning(): boolean {
    return isOurProcess(this.process, this.topologyDir);
  }

  /** Sends a signal to the process we started, after checking it is still ours (pids are recycled). */
  signal(sig: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT' | 'SIGTERM'): void {
    if (!this.isRunning()) throw new Error(`${this.name} (pid ${this.pid}) is not running`);
    process.kill(this.pid, sig);
  }

  /** Resolves true once the process is gone, false if it still runs after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.isRunning()) {
      if (Date.now() >= deadline) return false;
      await sleep(10);
    }
    return true;
  }

  /** INFO <section>, parsed, over the control connection. */
  async info(section: string): Promise<Map<string, string>> {
    return parseInfo(await this.control().info(section));
  }

  /**
   * The harness's own connection: admin user, straight to the server's port, bypassing every
   * proxy, so faults injected on proxies never blind the observer.
   */
  control(): Redis {
    this.controlClient ??= directClient(this.controlPort, this.auth, `gauntlet-control:${this.name}`);
    return this.controlClient;
  }

  closeControl(): void {
    this.controlClient?.disconnect();
    this.controlClient = undefined;
  }
}

export class RedisNodeHandle extends ServerHandle {
  constructor(
    readonly record: NodeRecord,
    process: ProcessRecord,
    topologyDir: string,
    auth: Auth,
  ) {
    super(process, topologyDir, auth, record.controlPort);
  }

  get name(): string {
    return this.record.name;
  }

  /** Proxy names (docs/architecture.md, "Wiring"): `node-i-app` for clients, `node-i-peer` for replication and sentinels. */
  get appProxyName(): string {
    return `${this.name}-app`;
  }

  get peerProxyName(): string {
    return `${this.name}-peer`;
  }

  /** The address this node announces (its peer proxy), i.e. what sentinels and INFO report. */
  get announcedAddress(): string {
    return this.record.peerProxy;
  }

  async role(): Promise<NodeRole> {
    if (!this.isRunning()) return 'down';
    try {
      return (await this.info('replication')).get('role') === 'master' ? 'master' : 'replica';
    } catch {
      return 'down';
    }
  }
}

export class SentinelHandle extends ServerHandle {
  constructor(
    readonly record: SentinelRecord,
    process: ProcessRecord,
    topologyDir: string,
    auth: Auth,
  ) {
    super(process, topologyDir, auth, record.port);
  }

  get name(): string {
    return this.record.name;
  }

  get appProxyName(): string {
    return `${this.name}-app`;
  }
}
