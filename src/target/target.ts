import type { RedisOptions } from 'ioredis';
import type { ClusterReach } from './clusterReach.js';
import type { ClusterClientSpec, StartedCluster } from '../topology/startedCluster.js';
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
 * A Redis Cluster target: how the app's ioredis Cluster clients start, and how an observer (the
 * failover watch, the shard map, the verification) reaches each node by the address the cluster
 * announces for it.
 */
export interface ClusterAccess {
  client: ClusterClientSpec;
  /** Addresses (host:port) to begin observing from: every node of our clusters, a target file's seeds. */
  seeds: string[];
  /** An observer's connection to the node at `address` (as the cluster announces it, or a seed): `observerAuth` at `reach`. */
  observerOptions(address: string): RedisOptions;
  /** Where each node is reached, and who observes (user, password, TLS): what observerOptions is made of, as data. */
  reach: ClusterReach;
  observerAuth: RedisOptions;
  /** Who observes: admin (our clusters), the audit user, or the app user; whether that user may run CLUSTER NODES (else CLUSTER SLOTS is read). */
  observer: { as: string; readsNodes: boolean };
  /** Who reads each master's INFO (memory, server time, per shard). */
  nodeInfo: NodeInfoAccess;
  /**
   * The shards as the run's own thread named them when the load began (a load worker's access
   * carries them, so its per-shard figures name shards alike); absent: read from the cluster.
   */
  knownShards?: ReadonlyArray<{ name: string; ranges: Array<[number, number]>; master?: string }>;
}

/**
 * InfoAccess for a cluster: a connection to the node at an announced address (host:port), made of
 * `auth` at the access's `reach`, or why nobody may read INFO.
 */
export type NodeInfoAccess = { options: (address: string) => RedisOptions; auth: RedisOptions; as: string } | { options: null; why: string };

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
  /** The embedded or detached Sentinel topology, when gauntlet controls the processes (chaos needs it). */
  topology: StartedTopology | null;
  /** The embedded or detached Cluster, when gauntlet controls its processes (chaos needs it). */
  cluster?: StartedCluster | null;
  /** A Cluster target's access; null (or absent) for Sentinel and plain-endpoint targets. */
  clusterAccess?(): ClusterAccess | null;
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
  /** A Cluster target: its seed addresses; null (or absent) otherwise. */
  cluster?: { seeds: string[] } | null;
}
