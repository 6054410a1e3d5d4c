import { cpus } from 'node:os';
import { reportedGate, type Gate, type Judgement } from '../gates/gate.js';
import type { LedgerReport } from '../ledger/verifyLedger.js';
import { latencyFigures, spectrumMs } from '../load/latencyRecorder.js';
import type { LoadResult } from '../load/loadResult.js';
import type { ShardFigures } from '../load/shardLoad.js';
import type { Scenario } from '../load/scenario.js';
import type { TargetDescription } from '../target/target.js';
import type { Attribution } from '../attribution/latencyAttribution.js';
import type { ChaosOutcome } from '../chaos/chaosRunner.js';
import type { FailoverFigures } from '../failover/failoverReport.js';
import { gauntletVersion } from '../packageInfo.js';
import { summarySchemaVersion, type Summary } from './summarySchema.js';

export interface SummaryInputs {
  runId: string;
  scenario: Scenario;
  scenarioSource: string;
  seed: number;
  target: TargetDescription;
  redisVersion: string | null;
  load: LoadResult;
  chaos: ChaosOutcome | null;
  failover: FailoverFigures | null;
  ledger: LedgerReport | null;
  attribution: Attribution | null;
  writeMode: 'async' | 'durable';
  alerts: Summary['alerts'];
  slowLog: Summary['slowLog'];
  /** A Cluster target's per-shard figures; null otherwise. */
  shards: { byShard: ShardFigures[]; unattributedOps: number } | null;
  gates: readonly Gate[];
  judgement: Judgement;
  /** Workers and shards that generated the load; null or absent: one thread. */
  scaleOut?: Summary['scaleOut'];
}

/** Turns measurements, gates and the verdict into the plain JSON summary; it judges nothing itself. */
export function buildSummary(i: SummaryInputs): Summary {
  const { load, scenario } = i;
  const f = latencyFigures(load.recorder, load.windows.any);
  const errors = f.totalErrors;
  const seconds = Math.max(0.001, load.durationMs / 1000);
  const { startBytes, peakBytes } = load.memory;
  return {
    schemaVersion: summarySchemaVersion,
    runId: i.runId,
    verdict: i.judgement.verdict,
    verdictReason: i.judgement.reason,
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
    clients: { instances: scenario.clients.instances, reconnectOnEnd: scenario.clients.reconnectOnEnd, endedByIoredis: load.clientEnds.count, ends: load.clientEnds.first },
    ops: {
      intended: load.intendedOps,
      total: f.totalOps,
      errors,
      errorKinds: Object.fromEntries(load.recorder.errorKinds),
      outcomes: load.outcomes,
      intendedPerSecond: round(load.intendedOps / seconds),
      achievedPerSecond: round((f.totalOps - errors) / seconds),
    },
    latencyMs: { overall: f.overall, byOp: f.byOp, outsideChaos: f.outsideChaos ? { overall: f.outsideChaos.overall, byOp: f.outsideChaos.byOp } : null },
    latencySpectrumMs: {
      overall: spectrumMs(load.recorder.overall.latency),
      ...Object.fromEntries([...load.recorder.byOp()].map(([op, h]) => [op, spectrumMs(h.latency)])),
    },
    serviceTimeMs: { overall: f.serviceOverall, byOp: f.serviceByOp },
    shards: i.shards,
    timeseries: load.recorder.intervals.map((s, k) => {
      const g = load.generatorSeconds[k];
      const server = i.attribution?.server.perSecond.find((x) => x.t === s.t);
      return {
        t: s.t, ops: s.ops, errors: s.errors, sessions: load.sessionsPerSecond[k] ?? 0, p50: s.latencyMs.p50, p99: s.latencyMs.p99, max: s.latencyMs.max,
        serviceP99: s.serviceP99Ms, generatorStalled: g?.stalled ?? false, gcMaxMs: g?.gcMaxMs ?? 0, cpuWaitMs: g?.cpuWaitMs ?? null, serverUsecPerCall: server?.usecPerCall ?? null,
      };
    }),
    attribution: i.attribution,
    generator: {
      schedulerLagMs: load.generator.schedulerLagMs,
      schedulerLagOutsideChaosMs: load.generator.schedulerLagOutsideChaosMs,
      eventLoopDelayMs: load.generator.eventLoopDelayMs,
      cpuPercent: load.generator.cpuPercent,
      rssMb: load.generator.rssMb,
      saturated: load.generator.saturated,
      reason: load.generator.reason,
      maxSchedulerLagP99Ms: load.generator.maxSchedulerLagP99Ms,
      gc: load.generator.gc,
      stalledSeconds: load.generator.stalledSeconds,
      cpuWaitMs: load.generator.cpuWaitMs ?? null,
    },
    scaleOut: i.scaleOut ?? null,
    memory: {
      usedBytesStart: startBytes,
      usedBytesPeak: peakBytes,
      bytesPerSession: startBytes !== null && peakBytes !== null && load.peakConcurrentSessions > 0 ? Math.round((peakBytes - startBytes) / load.peakConcurrentSessions) : null,
      notMeasured: load.memory.notMeasured ?? null,
      byShard: load.memory.byShard?.map((x) => ({ name: x.name, usedBytesStart: x.startBytes, usedBytesPeak: x.peakBytes, missedSamples: x.missedSamples, missedWhy: x.missedWhy })) ?? null,
    },
    chaos: {
      experiment: i.chaos?.experiment ?? null,
      steps: (i.chaos?.steps ?? []).map((st) => ({ name: st.name, atMs: st.atMs, endMs: st.endMs, detail: st.detail, scheduledAtMs: st.scheduledAtMs, struck: st.struck, outcome: st.outcome })),
      drills: i.chaos?.drills ?? [],
      // Recoveries open the run's windows one each, in order: index k is window k.
      windows: (i.failover?.recoveries ?? []).map((r, k) => ({ label: r.label, startMs: r.startMs, endMs: r.endMs, recoveredAtMs: r.recoveredAtMs, exceeded: r.exceeded, ops: f.byWindow[k]?.ops ?? 0, errors: f.byWindow[k]?.errors ?? 0, afterOutage: r.afterOutage })),
      excludedOps: f.excluded.ops,
      excludedErrors: f.excluded.errors,
    },
    failover: i.failover && (i.chaos || i.failover.count > 0) ? failoverSection(i.failover, load, i.chaos, scenario.thresholds.p99Ms, i.shards?.byShard.map((x) => x.name) ?? null) : null,
    writeMode: i.writeMode,
    ledger: i.ledger
      ? { keysChecked: i.ledger.keysChecked, lost: i.ledger.lost, resurrected: i.ledger.resurrected, staleReads: i.ledger.staleReads, indeterminate: i.ledger.unverifiable, unverifiableShare: i.ledger.unverifiableShare, lostObservedLive: i.ledger.lostObservedLive, expired: i.ledger.expired, examples: i.ledger.examples }
      : null,
    alerts: i.alerts,
    slowLog: i.slowLog,
    thresholds: i.gates.map(reportedGate),
    environment: { gauntletVersion, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
  };
}

function failoverSection(fo: FailoverFigures, load: LoadResult, chaos: ChaosOutcome | null, budgetMs: number, shardNames: readonly string[] | null): NonNullable<Summary['failover']> {
  const shard = (k: number | null | undefined): string | null => (k === null || k === undefined ? null : (shardNames?.[k] ?? `shard-${k}`));
  return {
    count: fo.count,
    clientObservedMs: fo.clientObservedMs,
    clientObservedPerClientMs: fo.gaps.map((g) => g.perClientMs),
    ...(shardNames ? { clientObservedShards: fo.gaps.map((g) => shard(g.shard)) } : {}),
    writeGapEndsAt: fo.gaps[0]?.endsAt ?? null,
    latencyRecoveryMs: latencyRecovery(load, chaos?.steps ?? [], budgetMs),
    switches: fo.switches.map((s) => ({ atMs: s.atMs, to: s.to, seenBy: s.seenBy, cause: s.cause, fromStrikeMs: s.fromStrikeMs, sdownToSwitchMs: s.sdownToSwitchMs, ...(s.shard !== undefined ? { shard: shard(s.shard)! } : {}) })),
    splitBrain: fo.splitBrain,
    sentinelEvents: fo.sentinelEvents.map((e) => ({ t: e.t, sentinel: e.sentinel, event: e.event, detail: e.detail })),
  };
}

/**
 * Per step: ms from the fault's start until the first whole second, after the fault ended, whose
 * p99 is back under the budget (null if it never came back before the run ended).
 */
function latencyRecovery(load: LoadResult, steps: ReadonlyArray<{ atMs: number; endMs: number | null }>, budgetMs: number): Array<number | null> {
  return steps.map((st) => {
    const from = st.endMs ?? st.atMs;
    const back = load.recorder.intervals.find((iv) => (iv.t - 1) * 1000 >= from && iv.ops > 0 && iv.latencyMs.p99 < budgetMs);
    return back ? back.t * 1000 - st.atMs : null;
  });
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
