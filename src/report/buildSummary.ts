import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { evaluateLoadThresholds, decideVerdict, type ThresholdResult } from '../checks/thresholds.js';
import { percentilesMs, type Percentiles } from '../load/latencyRecorder.js';
import type { LoadResult } from '../load/loadEngine.js';
import type { Scenario } from '../load/scenario.js';
import type { TargetDescription } from '../target/target.js';
import { summarySchemaVersion, type Summary } from './summarySchema.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface SummaryInputs {
  runId: string;
  scenario: Scenario;
  scenarioSource: string;
  seed: number;
  target: TargetDescription;
  redisVersion: string | null;
  load: LoadResult;
  extraThresholds?: ThresholdResult[];
}

/** Turns measurements into the plain JSON summary (autocannon style: data first, printing elsewhere). */
export function buildSummary(i: SummaryInputs): Summary {
  const { load, scenario } = i;
  const byOp: Record<string, Percentiles> = {};
  const serviceByOp: Record<string, Percentiles> = {};
  for (const [op, h] of load.recorder.byOp) {
    byOp[op] = percentilesMs(h.latency);
    serviceByOp[op] = percentilesMs(h.service);
  }
  const overall = percentilesMs(load.recorder.overallLatency);
  const errors = load.recorder.totalErrors;
  const thresholds = [
    ...evaluateLoadThresholds({
      p99Ms: scenario.thresholds.p99Ms,
      perOperationP99Ms: scenario.thresholds.perOperationP99Ms,
      maxErrorRate: scenario.thresholds.maxErrorRate,
      minThroughputRatio: scenario.thresholds.minThroughputRatio,
      overall,
      byOp,
      totalOps: load.completedOps,
      errors,
      intendedOps: load.intendedOps,
    }),
    ...(i.extraThresholds ?? []),
  ];
  const verdict = decideVerdict(thresholds, load.generator.saturated);
  const failed = thresholds.filter((t) => !t.pass);
  const verdictReason =
    verdict === 'invalid'
      ? (load.generator.reason ?? 'generator saturated')
      : verdict === 'fail'
        ? `failed: ${failed.map((t) => `${t.name} (${t.actual}, limit ${t.limit})`).join('; ')}`
        : `all ${thresholds.length} thresholds held`;
  const seconds = Math.max(0.001, load.durationMs / 1000);
  const { startBytes, peakBytes } = load.memory;
  return {
    schemaVersion: summarySchemaVersion,
    runId: i.runId,
    verdict,
    verdictReason,
    startedAt: load.startedAt,
    durationMs: load.durationMs,
    aborted: load.aborted,
    scenario: {
      name: scenario.name,
      description: scenario.description,
      source: i.scenarioSource,
      stages: scenario.stages.map((s) => ({ name: s.name, durationMs: s.duration, sessions: s.sessions ?? null, loginRate: s.loginRate ?? null })),
      seed: i.seed,
    },
    target: { ...i.target, redisVersion: i.redisVersion },
    sessions: { peakConcurrent: load.peakConcurrentSessions, plannedPeak: Math.max(0, ...scenario.stages.map((s) => s.sessions ?? 0)) },
    ops: {
      intended: load.intendedOps,
      total: load.completedOps,
      errors,
      errorKinds: Object.fromEntries(load.recorder.errorKinds),
      outcomes: load.outcomes,
      intendedPerSecond: round(load.intendedOps / seconds),
      achievedPerSecond: round((load.completedOps - errors) / seconds),
    },
    latencyMs: { overall, byOp },
    serviceTimeMs: { overall: percentilesMs(load.recorder.overallService), byOp: serviceByOp },
    timeseries: load.intervals.map((s, k) => ({ t: s.t, ops: s.ops, errors: s.errors, sessions: load.sessionsPerSecond[k] ?? 0, p50: s.latencyMs.p50, p99: s.latencyMs.p99, max: s.latencyMs.max })),
    generator: {
      schedulerLagMs: load.generator.schedulerLagMs,
      schedulerLagOutsideChaosMs: load.generator.schedulerLagOutsideChaosMs,
      eventLoopDelayMs: load.generator.eventLoopDelayMs,
      cpuPercent: load.generator.cpuPercent,
      rssMb: load.generator.rssMb,
      saturated: load.generator.saturated,
      reason: load.generator.reason,
    },
    memory: {
      usedBytesStart: startBytes,
      usedBytesPeak: peakBytes,
      bytesPerSession: startBytes !== null && peakBytes !== null && load.peakConcurrentSessions > 0 ? Math.round((peakBytes - startBytes) / load.peakConcurrentSessions) : null,
    },
    chaos: { experiment: null, steps: [] },
    failover: null,
    ledger: null,
    thresholds,
    environment: { gauntletVersion: version, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
