import { cpus } from 'node:os';
import { UserError } from '../errors.js';
import { reportedGate } from '../gates/gate.js';
import type { Scenario } from '../load/scenario.js';
import { gauntletVersion } from '../packageInfo.js';
import { executeRun } from '../run/executeRun.js';
import type { RunPlan } from '../run/runPlan.js';
import type { RunResult } from '../run/runResult.js';
import { checkTargetReachable, resolveTarget } from '../target/resolveTarget.js';
import type { Target } from '../target/target.js';
import type { TargetRef } from '../target/targetRef.js';
import type { Capacity, CapacityStep } from './capacitySchema.js';
import { HoldRecorder } from './holdRecorder.js';
import { judgeStep } from './judgeStep.js';
import { quantilePrecision } from './quantileInterval.js';
import { replicationBacklogBytes } from './replicationBacklog.js';
import { medianBytesPerSession, sizingTable, type SizingInput } from './sizing.js';
import { holdWindow, ratePerSession, scenarioTargetRate, sessionsForRate, stepScenario } from './stepLoad.js';
import { nextMove, outcomeLine, outcomeOf, sweepExitCode, type JudgedStep, type NextMove, type StepPhase, type SweepOutcome, type SweepSettings } from './sweepLogic.js';

export interface SweepRequest {
  runId: string;
  scenario: Scenario;
  scenarioSource: string;
  target: TargetRef | undefined;
  dataPath: 'auto' | 'direct' | 'proxied';
  seed: number;
  /** Worker threads generating each step's load (as `run --workers`). */
  workers: number;
  /** First step's rate; default: an eighth of the scenario's target rate. */
  from: number | undefined;
  factor: number;
  stepDurationMs: number;
  /** The p99's 95 % interval must lie within ± this share of it (0.05). */
  p99Precision: number;
  maxSteps: number;
  sizing: SizingInput;
  sizingSource: string | null;
}

export interface SweepControl {
  /** Aborting stops the step under way (it is reported as interrupted) and ends the sweep with what was measured. */
  signal?: AbortSignal;
  /** A line for people: the target is up, a step begins. */
  onNote?: (line: string) => void;
  /** Each judged step, with its run's result (the caller writes its report). */
  onStep?: (step: CapacityStep, run: RunResult) => Promise<void> | void;
}

/** Bisection stops when the bracket is within 5 %. */
export const sweepResolution = 0.05;
/** A step whose p99 is not yet stable is held again, twice as long, at most this many times. */
const maxHoldDoublings = 2;
/** The p99's quantile. */
const q = 0.99;

/** The default first step: an eighth of the scenario's target rate (about nine rising steps of 1.25 to reach it). */
export function defaultFrom(s: Scenario): number {
  return Math.max(1, scenarioTargetRate(s) / 8);
}

/**
 * The run plan of one step: everything but the scenario and its id is the sweep's. Steps do
 * not verify the ledger (the sweep asks how much, `run` asks whether it is kept) and run no chaos.
 */
export function stepPlan(r: SweepRequest, scenario: Scenario, runId: string): RunPlan {
  return {
    runId,
    scenario,
    scenarioSource: r.scenarioSource,
    experiment: null,
    seed: r.seed,
    target: r.target,
    tls: undefined,
    allowDestructive: false,
    writeMode: 'async',
    verify: false,
    monitoring: false,
    metricsPort: undefined,
    baseline: null,
    dataPath: r.dataPath,
    workers: r.workers,
  };
}

/**
 * The sweep: one target for every step (an embedded topology is started once and stopped at the
 * end; a detached or external one is reached once), one `executeRun` per step, judged by the
 * run's gates over the step's hold, moved on by `nextMove`. Throws a UserError (exit 3/4) when
 * the target cannot be started or reached before the first step; a target lost later ends the
 * sweep as interrupted, with what it measured.
 */
export async function runSweep(r: SweepRequest, control: SweepControl = {}): Promise<Capacity> {
  const startedAt = new Date();
  const signal = control.signal ?? new AbortController().signal;
  const note = control.onNote ?? (() => undefined);
  const settings: SweepSettings = { from: r.from ?? defaultFrom(r.scenario), factor: r.factor, resolution: sweepResolution, maxSteps: r.maxSteps, minRate: 1 };
  note(r.target === undefined ? 'starting embedded topology (3 redis-server, 3 redis-sentinel, toxiproxy) for the whole sweep' : 'reaching the target');
  const target = await resolveTarget({ target: r.target, allowDestructive: false });
  const judged: JudgedStep[] = [];
  const steps: CapacityStep[] = [];
  let redisVersion: string | null = null;
  let backlogBytes: number | null = null;
  let outcome: SweepOutcome;
  try {
    redisVersion = await checkTargetReachable(target);
    backlogBytes = await replicationBacklogBytes(target);
    const flush = target.kind === 'embedded';
    sweep: for (;;) {
      const move: NextMove = signal.aborted ? { kind: 'stop', outcome: outcomeOf('interrupted', judged) } : nextMove(settings, judged);
      if (move.kind === 'stop') {
        outcome = move.outcome;
        break;
      }
      let step: CapacityStep | null = null;
      for (let attempt = 1; attempt <= 1 + maxHoldDoublings; attempt++) {
        const holdMs = r.stepDurationMs * 2 ** (attempt - 1);
        note(`step ${steps.length + 1} (${move.phase}${attempt > 1 ? `, hold ${holdMs / 1000} s: p99 not yet stable` : ''}): ${Math.round(move.rate)} ops/s, ${sessionsForRate(r.scenario, move.rate)} sessions`);
        try {
          if (flush) await flushStore(target);
          step = await runStep(r, target, move.rate, move.phase, holdMs, attempt, steps.length + 1, signal, control);
        } catch (e) {
          // The target went away mid-sweep (a step could not reach it): what was measured still stands.
          if (!(e instanceof UserError)) throw e;
          outcome = outcomeOf('interrupted', judged, { note: `stopped: ${e.message}` });
          break sweep;
        }
        if (step.p99Interval.stable || step.result === 'harness-limit' || step.result === 'interrupted') break;
        // Over budget beyond doubt: holding an overloaded target longer cannot change the verdict.
        if (step.result === 'over' && step.p99Interval.lowMs >= r.scenario.thresholds.p99Ms) break;
      }
      steps.push(step!);
      judged.push({ rate: move.rate, result: step!.result });
    }
  } finally {
    await target.close();
  }
  return assemble(r, settings, startedAt, target, { redisVersion, backlogBytes }, steps, outcome);
}

/** Each step on the embedded topology the sweep owns starts from an empty store, so earlier steps' keys neither fill it nor slow it. */
async function flushStore(target: Target): Promise<void> {
  const master = await target.topology?.currentMaster();
  await master?.control().flushall('SYNC');
}

async function runStep(r: SweepRequest, target: Target, rate: number, phase: StepPhase, holdMs: number, attempt: number, index: number, signal: AbortSignal, control: SweepControl): Promise<CapacityStep> {
  const scenario = stepScenario(r.scenario, rate, holdMs);
  const window = holdWindow(scenario);
  const hold = new HoldRecorder(window.startMs, window.endMs);
  const runId = `${r.runId}-step${String(index).padStart(2, '0')}${attempt > 1 ? `-hold${attempt}` : ''}`;
  const run = await executeRun(stepPlan(r, scenario, runId), { signal, target, observers: [hold] });
  const s = run.summary;
  const f = hold.figures();
  const stalledSeconds = new Set(s.timeseries.filter((x) => x.generatorStalled === true).map((x) => x.t));
  const j = judgeStep(scenario, s, f, hold.span((t) => stalledSeconds.has(t)));
  const precision = quantilePrecision(hold.samples, q, r.p99Precision, hold.valueAtRankMs);
  const holdS = holdMs / 1000;
  const ok = f.completed - f.errors;
  const step: CapacityStep = {
    index,
    phase,
    attempt,
    runId,
    requestedRate: rate,
    sessions: scenario.stages[1]!.sessions!,
    rampMs: window.startMs,
    holdMs,
    result: j.result,
    reasons: j.reasons,
    offeredRate: j.intendedOps / holdS,
    achievedRate: ok / holdS,
    intendedOps: j.intendedOps,
    completedOps: f.completed,
    errors: f.errors,
    errorRate: f.completed ? f.errors / f.completed : 0,
    throughputRatio: j.intendedOps ? ok / j.intendedOps : 0,
    latencyMs: f.overall,
    p99Interval: {
      samples: precision.samples,
      lowMs: precision.low,
      highMs: precision.high,
      confidence: 0.95,
      relativeHalfWidth: Number.isFinite(precision.relativeHalfWidth) ? precision.relativeHalfWidth : null,
      stable: precision.stable,
    },
    gates: j.gates.map(reportedGate),
    generator: { cpuPercentMean: s.generator.cpuPercent.mean, cpuPercentMax: s.generator.cpuPercent.max, schedulerLagP99Ms: s.generator.schedulerLagMs.p99, saturated: s.generator.saturated, reason: s.generator.reason },
    memory: { usedBytesStart: s.memory.usedBytesStart, usedBytesPeak: s.memory.usedBytesPeak, bytesPerSession: s.memory.bytesPerSession, notMeasured: s.memory.notMeasured ?? null },
  };
  await control.onStep?.(step, run);
  return step;
}

function assemble(r: SweepRequest, settings: SweepSettings, startedAt: Date, target: Target, found: { redisVersion: string | null; backlogBytes: number | null }, steps: CapacityStep[], o: SweepOutcome): Capacity {
  const { redisVersion, backlogBytes } = found;
  const targetRate = scenarioTargetRate(r.scenario);
  const perSession = ratePerSession(r.scenario);
  const exitCode = sweepExitCode(o, targetRate);
  const d = target.describe();
  const bytesPerSession = medianBytesPerSession(steps.map((s) => ({ bytesPerSession: s.memory.bytesPerSession, sessions: s.sessions })));
  // The store before any session, plus the replication backlog the per-session figures leave out.
  const baseBytes = (steps.find((s) => s.memory.usedBytesStart !== null)?.memory.usedBytesStart ?? 0) + (backlogBytes ?? 0);
  const capacityRate = o.lastGood;
  const peakSessions = Math.max(0, ...r.scenario.stages.map((s) => s.sessions ?? 0));
  const sessions = r.sizing.sessions ?? [...new Set([peakSessions || Math.round(targetRate / perSession), ...(capacityRate === null ? [] : [sessionsForRate(r.scenario, capacityRate)])])].sort((a, b) => a - b);
  return {
    schemaVersion: 1,
    runId: r.runId,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    scenario: {
      name: r.scenario.name,
      source: r.scenarioSource,
      targetRate,
      ratePerSession: perSession,
      p99BudgetMs: r.scenario.thresholds.p99Ms,
      perOperationP99Ms: r.scenario.thresholds.perOperationP99Ms ?? null,
      maxErrorRate: r.scenario.thresholds.maxErrorRate,
      minThroughputRatio: stepScenario(r.scenario, 1, 1).thresholds.minThroughputRatio,
    },
    target: { kind: d.kind, topologyId: d.topologyId, sentinels: d.sentinels, endpoint: d.endpoint, redisVersion, flushedBetweenSteps: target.kind === 'embedded' },
    settings: { from: settings.from, factor: r.factor, stepDurationMs: r.stepDurationMs, p99Precision: r.p99Precision, resolution: settings.resolution, maxSteps: r.maxSteps, workers: r.workers, dataPath: r.dataPath, seed: r.seed },
    steps,
    outcome: {
      kind: o.kind,
      line: outcomeLine(o, targetRate),
      capacityRate,
      firstBadRate: o.firstBad,
      harnessLimitRate: o.harnessLimit,
      capacitySessions: capacityRate === null ? null : sessionsForRate(r.scenario, capacityRate),
      aboveTargetRate: capacityRate === null ? (o.kind === 'knee' ? false : null) : capacityRate >= targetRate,
      note: o.note,
      exitCode,
    },
    memory: { bytesPerSession, baseBytes, replicationBacklogBytes: backlogBytes, notMeasured: bytesPerSession === null ? (steps.find((s) => s.memory.notMeasured)?.memory.notMeasured ?? (steps.length ? 'no step measured used_memory' : 'no step ran')) : null },
    sizing: {
      headroomPct: r.sizing.headroomPct,
      selfManagedForkReservePct: r.sizing.selfManagedForkReservePct,
      elasticacheReservedPct: r.sizing.elasticacheReservedPct,
      source: r.sizingSource,
      rows: sizingTable({ bytesPerSession, baseBytes, ratePerSession: perSession, capacityRate }, r.sizing, sessions),
    },
    environment: { gauntletVersion, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
  };
}
