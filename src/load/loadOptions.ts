import type { Histogram } from 'hdr-histogram-js';
import type { AppClient } from './appClients.js';
import type { Target } from '../target/target.js';
import type { ChaosWindows } from './chaosWindows.js';
import type { IntervalStats } from './latencyRecorder.js';
import type { OperationObserver } from './operationEvent.js';
import type { SchedulePartition } from './population/schedulePartition.js';
import type { Scenario } from './scenario.js';

export interface ProgressSnapshot {
  elapsedS: number;
  /** The second that just closed, on its own. */
  second: IntervalStats;
  phase: string;
  sessions: number;
  opsPerSecond: number;
  recentP99Ms: number;
  errors: number;
  totalOps: number;
}

/** The run clock: ms since the load started (performance.now scale), and the wall clock at that moment. */
export interface RunClock {
  now(): number;
  readonly startedAtWallMs: number;
}

export interface LoadEngineOptions {
  scenario: Scenario;
  target: Target;
  seed?: number;
  /** Where chaos windows are kept (shared with whoever opens them); default: none. */
  windows?: ChaosWindows;
  /** Told about every completed operation, synchronously, with one reused event object. */
  observers?: readonly OperationObserver[];
  onSecond?: (p: ProgressSnapshot) => void;
  /** Aborting stops the load early; the run then ends as if its stages had ended. */
  signal?: AbortSignal;
  /** Awaited once the app clients are connected, before the clock starts (chaos subscribes to sentinels here). */
  prepare?: (appClients: readonly AppClient[]) => Promise<void>;
  /** Called when the clock starts, before the first action (chaos schedules its steps here). */
  onClockStart?: (clock: RunClock) => void;
  /** Durable-write mode: each write waits this long for a replica (WAIT 1); null or absent: async writes. */
  durableWaitMs?: number | null;
  /** This engine's share of the schedule (workers, shards); default: all of it. */
  partition?: SchedulePartition;
  /**
   * Awaited after `prepare`: the moment the run clock starts, in ms on the `performance.timeOrigin
   * + performance.now()` scale (about the Unix epoch). The engine waits for it, so engines in
   * several threads, processes or machines start one schedule together. Absent: at once.
   */
  clockStart?: () => Promise<number>;
  /**
   * When second t has closed: the run's cumulative latency and service-time histograms of every
   * operation so far (read them now, never keep or change them). Workers and shards take each
   * second's own histograms from it, to merge timelines exactly.
   */
  onIntervalClosed?: (t: number, overall: Readonly<{ latency: Histogram; service: Histogram }>) => void;
}
