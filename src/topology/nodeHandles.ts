import type { Redis } from 'ioredis';
import { directClient, type ServerAuth } from './redisProcess.js';
import { isOurProcess } from './processControl.js';
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

  /** Proxy names from design.md: `node-i-app` for clients, `node-i-peer` for replication and sentinels. */
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
      const info = parseInfo(await this.control().info('replication'));
      return info.get('role') === 'master' ? 'master' : 'replica';
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
