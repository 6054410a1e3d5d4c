import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { LedgerShard } from '../ledger/ledger.js';
import type { SchedulePartition } from '../load/population/schedulePartition.js';
import type { Scenario } from '../load/scenario.js';
import type { ShardRanges } from '../load/shardMap.js';
import type { ClusterReach } from '../target/clusterReach.js';
import type { ClusterAccess, InfoAccess, Target } from '../target/target.js';
import type { OperationBatch } from './operationStream.js';
import type { PartialResult, PartialRun } from './partialResult.js';

/**
 * The worker channel: what a parent and its load workers (worker threads) say to each other.
 * The partial result is the same format shards write to files.
 */

/** What the load engine needs of the target, as data a thread can receive (no clients, no topology, no functions). */
export interface TargetSnapshot {
  kind: Target['kind'];
  clientOptions: RedisOptions;
  infoAllowed: boolean | null;
  infoAccess: InfoAccess;
  /** A Cluster target's access; null for Sentinel and plain-endpoint targets. */
  cluster: ClusterSnapshot | null;
}

/** A Cluster target's ClusterAccess as data: the worker's own Cluster clients and observers start from it. */
export interface ClusterSnapshot {
  startupNodes: Array<{ host: string; port: number }>;
  /** The app's Cluster options (natMap, the app user and TLS in redisOptions), without dnsLookup. */
  options: ClusterOptions;
  /** Whether the clients keep host names unresolved (dnsLookup keepHostName: TLS to named hosts). */
  keepHostNames: boolean;
  seeds: string[];
  reach: ClusterReach;
  observerAuth: RedisOptions;
  observer: ClusterAccess['observer'];
  /** Who reads each master's INFO, or why nobody may. */
  nodeInfo: { auth: RedisOptions; as: string } | { why: string };
  /** The shards as the parent named them when the load began. */
  shards: ShardRanges[];
}

/** What a worker is started with (its workerData). */
export interface WorkerSetup {
  /** "worker 2 of 4" (in reports, and in the reason a run was invalid). */
  label: string;
  /** The scenario, with clients.instances set to this worker's app clients. */
  scenario: Scenario;
  seed: number;
  /** This worker's share of the schedule (of the whole run: a shard's worker gets a share of the shard's). */
  partition: SchedulePartition;
  part: PartialResult['part'];
  run: PartialRun;
  target: TargetSnapshot;
  durableWaitMs: number | null;
  /** The run-wide number of each of this worker's app clients. */
  clientNumbers: number[];
}

/** One closed second of a worker: its own histograms (encoded) and counts, for the parent's live timeline. */
export interface WorkerSecond {
  t: number;
  ops: number;
  errors: number;
  sessions: number;
  latency: string;
  service: string;
}

export type ToWorker =
  /** Start the run clock at this moment (ms, performance.timeOrigin + performance.now() scale). */
  | { type: 'start'; startAt: number }
  /** The parent's chaos windows, whole, whenever they changed. */
  | { type: 'windows'; windows: Array<{ label: string; startMs: number; endMs: number | null }> }
  /** Send your ledger now (a chaos step reads the run's ledger). */
  | { type: 'ledger'; id: number }
  | { type: 'stop'; reason: string };

export type FromWorker =
  /** Clients connected and warmed up: waiting for `start`. */
  | { type: 'ready' }
  | { type: 'operations'; batch: OperationBatch }
  | { type: 'second'; second: WorkerSecond }
  | { type: 'ledger'; id: number; shard: LedgerShard | null }
  | { type: 'result'; partial: PartialResult }
  /** The load could not run (an error the worker caught); the parent treats it as a crash. */
  | { type: 'failed'; message: string };
