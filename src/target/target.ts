import type { RedisOptions } from 'ioredis';
import type { StartedTopology } from '../topology/startedTopology.js';

/** How to reach one sentinel as an observer (our topology: admin, straight to its port; a staging one: its sentinel user). */
export interface SentinelEndpoint {
  name: string;
  options: RedisOptions;
}

/**
 * A target reached at one address (ElastiCache / MemoryDB primary endpoint, a standalone
 * primary): how an observer reaches it to see a failover from the client side.
 */
export interface PlainEndpoint {
  /** host:port as the target names it. */
  name: string;
  host: string;
  port: number;
  /** The audit user's connection when the target names one, else the app user's. */
  options: RedisOptions;
  /** Whether that connection may run INFO (to read master_replid). */
  readsInfo: boolean;
}

/**
 * Who reads the master's INFO (memory, server time): a connection and who it logs in as, or why
 * nobody may (the report then says "not measured" and this reason).
 */
export type InfoAccess = { options: RedisOptions; as: string } | { options: null; why: string };

/** What the load engine and the checks need from a deployment, wherever it runs. */
export interface Target {
  kind: 'embedded' | 'detached' | 'external';
  /** For summary.json and the console: where the load went. */
  describe(): TargetDescription;
  /** ioredis options for one application client (through sentinels or to the endpoint, as the app user). */
  clientOptions(): RedisOptions;
  /** The embedded or detached topology, when gauntlet controls the processes (chaos needs it). */
  topology: StartedTopology | null;
  /** External targets refuse destructive actions unless the user allowed them explicitly. */
  allowDestructive: boolean;
  /**
   * Whether the app user may run INFO: null until checkTargetReachable asked. A least-privilege
   * app user needs only the session commands; without INFO its clients skip ioredis's ready check.
   */
  infoAllowed: boolean | null;
  /** Who reads the master's INFO for the memory and server-time figures. */
  infoAccess(): InfoAccess;
  /** How an observer reaches the sentinels (to see failovers whoever causes them); empty without sentinels. */
  sentinelEndpoints(): SentinelEndpoint[];
  /** A plain-endpoint target's address and observer connection; null for sentinel targets. */
  plainEndpoint(): PlainEndpoint | null;
  close(): Promise<void>;
}

export interface TargetDescription {
  kind: Target['kind'];
  /** The sentinel master name; empty for a plain endpoint. */
  masterName: string;
  sentinels: string[];
  /** A plain endpoint's host:port; null for sentinel targets. */
  endpoint: string | null;
  topologyId: string | null;
  tls: boolean;
  settings: Record<string, string | number> | null;
}
