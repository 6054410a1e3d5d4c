import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { evaluateLoadThresholds, decideVerdict, type ThresholdResult } from '../checks/thresholds.js';
import type { LedgerReport } from '../checks/verifyLedger.js';
import { percentilesMs, spectrumMs, type Percentiles } from '../load/latencyRecorder.js';
import type { LoadResult } from '../load/loadEngine.js';
import type { Scenario } from '../load/scenario.js';
import type { TargetDescription } from '../target/target.js';
import type { ChaosOutcome } from '../chaos/chaosRunner.js';
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
  chaos?: ChaosOutcome;
  ledger?: LedgerReport;
  writeMode: 'async' | 'durable';
  alerts?: Summary['alerts'];
  slowLog?: Summary['slowLog'];
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
  // In a chaos run the load gates judge the steady state: operations intended outside chaos windows.
  const oc = load.recorder.outsideChaos;
  const outsideChaos = load.recorder.hasChaosWindows
    ? { overall: percentilesMs(oc.overall), byOp: Object.fromEntries([...oc.byOp].map(([op, h]) => [op, percentilesMs(h)])) }
    : null;
  const loadGates = evaluateLoadThresholds({
    p99Ms: scenario.thresholds.p99Ms,
    perOperationP99Ms: scenario.thresholds.perOperationP99Ms,
    maxErrorRate: scenario.thresholds.maxErrorRate,
    minThroughputRatio: scenario.thresholds.minThroughputRatio,
    overall: outsideChaos?.overall ?? overall,
    byOp: outsideChaos?.byOp ?? byOp,
    totalOps: outsideChaos ? oc.ops : load.recorder.totalOps,
    errors: outsideChaos ? oc.errors : errors,
    intendedOps: outsideChaos ? oc.ops : load.intendedOps,
  });
  if (outsideChaos) for (const g of loadGates) g.name = `${g.name} (outside chaos windows)`;
  const ledgerGates: ThresholdResult[] = i.ledger
    ? [
        { name: 'acknowledged writes lost', limit: '0', actual: String(i.ledger.lost), pass: i.ledger.lost === 0 },
        { name: 'deletes/revocations resurrected', limit: '0', actual: String(i.ledger.resurrected), pass: i.ledger.resurrected === 0 },
      ]
    : [];
  const thresholds = [...loadGates, ...(i.chaos?.thresholds ?? []), ...ledgerGates];
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
    clients: { instances: scenario.clients.instances, reconnectOnEnd: scenario.clients.reconnectOnEnd, endedByIoredis: load.clientEnds.count, ends: load.clientEnds.first },
    ops: {
      intended: load.intendedOps,
      total: load.recorder.totalOps,
      errors,
      errorKinds: Object.fromEntries(load.recorder.errorKinds),
      outcomes: load.outcomes,
      intendedPerSecond: round(load.intendedOps / seconds),
      achievedPerSecond: round((load.recorder.totalOps - errors) / seconds),
    },
    latencyMs: { overall, byOp, outsideChaos },
    latencySpectrumMs: {
      overall: spectrumMs(load.recorder.overallLatency),
      ...Object.fromEntries([...load.recorder.byOp].map(([op, h]) => [op, spectrumMs(h.latency)])),
    },
    serviceTimeMs: { overall: percentilesMs(load.recorder.overallService), byOp: serviceByOp },
    timeseries: load.recorder.intervals.map((s, k) => ({ t: s.t, ops: s.ops, errors: s.errors, sessions: load.sessionsPerSecond[k] ?? 0, p50: s.latencyMs.p50, p99: s.latencyMs.p99, max: s.latencyMs.max })),
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
    chaos: i.chaos ? { experiment: i.chaos.experiment, steps: i.chaos.steps, drills: i.chaos.drills } : { experiment: null, steps: [], drills: [] },
    failover: i.chaos ? { ...i.chaos.failover, latencyRecoveryMs: latencyRecovery(load, i.chaos.steps, scenario.thresholds.p99Ms) } : null,
    writeMode: i.writeMode,
    ledger: i.ledger ? { keysChecked: i.ledger.keysChecked, lost: i.ledger.lost, resurrected: i.ledger.resurrected, staleReads: i.ledger.staleReads, indeterminate: i.ledger.indeterminate, expired: i.ledger.expired, examples: i.ledger.examples } : null,
    alerts: i.alerts ?? null,
    slowLog: i.slowLog ?? null,
    thresholds,
    environment: { gauntletVersion: version, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
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
