import type { ClientEnd } from './appClients.js';
import { ChaosWindows } from './chaosWindows.js';
import { GeneratorMonitor, type GeneratorHealth, type GeneratorSecond } from './generatorMonitor.js';
import { LatencyRecorder } from './latencyRecorder.js';
import { generatorLimits, type Scenario } from './scenario.js';
import type { TargetMemory } from './targetMemorySampler.js';

/** What a load run measured, as data: the recorder's figures, the generator's health, the target's memory. */
export interface LoadResult {
  startedAt: string;
  durationMs: number;
  recorder: LatencyRecorder;
  windows: ChaosWindows;
  generator: GeneratorHealth;
  generatorSeconds: GeneratorSecond[];
  sessionsPerSecond: number[];
  peakConcurrentSessions: number;
  intendedOps: number;
  outcomes: Record<string, number>;
  memory: TargetMemory;
  aborted: boolean;
  /** App clients ioredis ended on its own (see appClients.ts): how many times, and the first few. */
  clientEnds: { count: number; first: Array<ClientEnd & { atMs: number }> };
}

/** What a run that never started its load reports: no operations, aborted. */
export function loadNotStarted(s: Scenario, windows = new ChaosWindows()): LoadResult {
  const limits = generatorLimits(s);
  const monitor = new GeneratorMonitor(limits.maxSchedulerLagP99Ms, windows, limits.stallThresholdMs);
  monitor.stop();
  return {
    startedAt: new Date().toISOString(), durationMs: 0, recorder: new LatencyRecorder(windows, () => false), windows, generator: monitor.health(), generatorSeconds: [],
    sessionsPerSecond: [], peakConcurrentSessions: 0, intendedOps: 0, outcomes: {}, memory: { startBytes: null, peakBytes: null, samples: [] }, aborted: true, clientEnds: { count: 0, first: [] },
  };
}
