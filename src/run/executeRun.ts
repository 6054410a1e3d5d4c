import { ChaosRunner, type ChaosOutcome } from '../chaos/chaosRunner.js';
import { compareRuns } from '../compare/compareRuns.js';
import { UserError } from '../errors.js';
import { buildGates } from '../gates/buildGates.js';
import { judge } from '../gates/gate.js';
import { regressionGates } from '../gates/regressionGates.js';
import { ledgerForScenario } from '../ledger/ledger.js';
import { LedgerObserver } from '../ledger/ledgerObserver.js';
import type { LedgerReport } from '../ledger/verifyLedger.js';
import { ChaosWindows } from '../load/chaosWindows.js';
import { loadNotStarted, runLoad, type LoadResult } from '../load/loadEngine.js';
import type { OperationObserver } from '../load/operationEvent.js';
import { operationNames, totalDurationMs } from '../load/scenario.js';
import { collectSlowLog } from '../monitoring/slowLog.js';
import { buildSummary } from '../report/buildSummary.js';
import type { Summary } from '../report/summarySchema.js';
import { checkTargetReachable, resolveTarget } from '../target/resolveTarget.js';
import type { TargetDescription } from '../target/target.js';
import { checkPlan, type RunPlan } from './runPlan.js';
import type { RunProgress, RunResult } from './runResult.js';
import { startObservers } from './runObservers.js';
import { verifyOnMaster } from './verifyWrites.js';

export interface RunControl {
  /** Aborting stops the load early (Ctrl-C); the run still heals, verifies and reports, and never passes. */
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
}

/** Durable mode: how long a write waits for a replica's confirmation before it counts as not acknowledged. */
const durableWaitMs = 1000;

/**
 * One run, as a library call: prepare the target, start the observers, drive the load and the
 * chaos, heal, verify acknowledged writes, run the drills, judge. Returns plain data; printing,
 * files and exit codes are the caller's. Target and set-up problems throw a UserError (one line
 * for a person); an aborted run returns a result whose verdict is not `pass`.
 */
export async function executeRun(plan: RunPlan, control: RunControl = {}): Promise<RunResult> {
  checkPlan(plan);
  const say = control.onProgress ?? (() => undefined);
  const signal = control.signal ?? new AbortController().signal;
  const abortReason = (): string | null => (signal.aborted ? String(signal.reason ?? 'aborted') : null);
  const scenario = plan.scenario;
  const runMs = totalDurationMs(scenario);
  const windows = new ChaosWindows();
  if (signal.aborted) return report(plan, { target: plannedTarget(plan), redisVersion: null, load: loadNotStarted(scenario, windows), chaos: null, ledger: null, alerts: null, slowLog: null, abortReason: abortReason() });

  say({ kind: 'phase', phase: 'prepare-target', message: plan.target === undefined || plan.target === 'embedded' ? 'starting embedded topology (3 redis-server, 3 redis-sentinel, toxiproxy)' : `reaching target ${plan.target}` });
  const target = await resolveTarget({ target: plan.target, allowDestructive: plan.allowDestructive, minReplicasToWrite: plan.writeMode === 'durable' ? 1 : undefined, tls: plan.tls });
  let stopObservers: (() => Promise<void>) | null = null;
  try {
    const redisVersion = await checkTargetReachable(target);
    const ledger = ledgerForScenario(scenario);
    const chaos = plan.experiment && target.topology ? new ChaosRunner(plan.experiment, target.topology, ledger, windows, runMs) : null;
    const unmet = chaos?.unmetPrecondition();
    if (unmet) throw new UserError(unmet);
    say({ kind: 'phase', phase: 'start-observers', message: `target ${target.kind}${target.topology ? ` ${target.topology.id}` : ''} reachable (Redis ${redisVersion ?? '?'}); running ${scenario.name} for ${(runMs / 1000).toFixed(0)} s` });
    const observers = await startObservers(plan, target, () => chaos?.failoverCount() ?? 0, say);
    stopObservers = observers.stop;
    const runStartedWall = Date.now();
    let load: LoadResult;
    if (signal.aborted) load = loadNotStarted(scenario, windows);
    else {
      say({ kind: 'phase', phase: 'load', message: `load: ${scenario.name}` });
      const operationObservers: OperationObserver[] = [];
      if (plan.verify) operationObservers.push(new LedgerObserver(ledger));
      if (chaos) operationObservers.push(chaos.writes);
      if (observers.metrics) operationObservers.push(observers.metrics);
      load = await runLoad({
        scenario,
        target,
        seed: plan.seed,
        windows,
        observers: operationObservers,
        signal,
        prepare: chaos ? (clients) => chaos.prepare(clients) : undefined,
        onClockStart: chaos ? (clock) => chaos.onClockStart(clock) : undefined,
        onSecond: (p) => {
          observers.metrics?.second(p);
          say({ kind: 'second', snapshot: p, totalS: runMs / 1000 });
        },
        durableWaitMs: plan.writeMode === 'durable' ? durableWaitMs : null,
      });
    }
    windows.closeAllAt(load.durationMs);
    let chaosOutcome: ChaosOutcome | null = null;
    if (chaos) {
      say({ kind: 'phase', phase: 'heal', message: 'healing faults and waiting for the topology to be healthy again' });
      chaosOutcome = await chaos.finish();
    }
    let ledgerReport: LedgerReport | null = null;
    if (plan.verify) {
      say({ kind: 'phase', phase: 'verify', message: `verifying ${ledger.records.size} sessions' acknowledged writes on the current master` });
      ledgerReport = await verifyOnMaster(target, ledger);
    }
    if (chaos?.hasDrills() && chaosOutcome) {
      say({ kind: 'phase', phase: 'drills', message: 'recovery drill: destroying the data, restoring the backup into a fresh node, checking it against the ledger' });
      chaosOutcome = await chaos.runDrills(chaosOutcome);
    }
    say({ kind: 'phase', phase: 'judge', message: 'judging' });
    const alerts = observers.monitoring ? await observers.monitoring.firedBetween(runStartedWall, Date.now()) : null;
    await stopObservers();
    stopObservers = null;
    const slowLog = target.topology ? await collectSlowLog(target.topology, runStartedWall) : null;
    return report(plan, { target: target.describe(), redisVersion, load, chaos: chaosOutcome, ledger: ledgerReport, alerts, slowLog, abortReason: abortReason() });
  } finally {
    await stopObservers?.().catch(() => undefined);
    await target.close();
  }
}

interface Measured {
  target: TargetDescription;
  redisVersion: string | null;
  load: LoadResult;
  chaos: ChaosOutcome | null;
  ledger: LedgerReport | null;
  alerts: Summary['alerts'];
  slowLog: Summary['slowLog'];
  abortReason: string | null;
}

/** Gates, verdict, the summary and what goes beside it; against the baseline when the plan has one. */
function report(plan: RunPlan, m: Measured): RunResult {
  const gates = buildGates({ scenario: plan.scenario, load: m.load, chaos: m.chaos, ledger: m.ledger, abortReason: m.abortReason });
  const summarise = (g: typeof gates): Summary =>
    buildSummary({
      runId: plan.runId, scenario: plan.scenario, scenarioSource: plan.scenarioSource, seed: plan.seed, target: m.target, redisVersion: m.redisVersion,
      load: m.load, chaos: m.chaos, ledger: m.ledger, writeMode: plan.writeMode, alerts: m.alerts, slowLog: m.slowLog, gates: g, judgement: judge(g),
    });
  let summary = summarise(gates);
  let comparison: RunResult['comparison'] = null;
  if (plan.baseline) {
    const rows = compareRuns(plan.baseline.summary, summary);
    comparison = { baselineFile: plan.baseline.file, rows };
    summary = summarise([...gates, ...regressionGates(rows, plan.baseline.summary.runId)]);
  }
  const recorder = m.load.recorder;
  const hgrm: Record<string, string> = { overall: recorder.hgrm('overall') };
  for (const op of operationNames) if (recorder.byOp().has(op)) hgrm[op] = recorder.hgrm(op);
  return { summary, hgrm, ledgerFindings: m.ledger?.findings ?? [], comparison };
}

/** What the report says about a target the run never reached. */
function plannedTarget(plan: RunPlan): TargetDescription {
  const kind = plan.target === undefined || plan.target === 'embedded' ? 'embedded' : plan.target.startsWith('detached') ? 'detached' : 'external';
  return { kind, masterName: '', sentinels: [], topologyId: null, tls: plan.tls !== undefined, settings: null };
}

