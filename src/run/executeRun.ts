import { attributeLatency, type Attribution, type DataPath } from '../attribution/latencyAttribution.js';
import { pingThroughProxy } from '../attribution/proxyCalibration.js';
import { ServerTimeSampler } from '../attribution/serverTime.js';
import { ChaosRunner, type ChaosOutcome } from '../chaos/chaosRunner.js';
import { compareRuns, defaultTolerances } from '../compare/compareRuns.js';
import { UserError } from '../errors.js';
import { buildGates } from '../gates/buildGates.js';
import { judge } from '../gates/gate.js';
import { regressionGates } from '../gates/regressionGates.js';
import { ledgerForScenario } from '../ledger/ledger.js';
import { LedgerObserver } from '../ledger/ledgerObserver.js';
import { ChaosWindows } from '../load/chaosWindows.js';
import { loadNotStarted, type LoadResult } from '../load/loadResult.js';
import { runLoad } from '../load/loadEngine.js';
import type { LoadEngineOptions, RunClock } from '../load/loadOptions.js';
import { failoverFigures, type FailoverFigures } from '../failover/failoverReport.js';
import { FailoverTracker } from '../failover/failoverTracker.js';
import type { FailoverWatch } from '../failover/failoverWatch.js';
import { failoverWatchFor } from '../failover/watchFor.js';
import { WindowRecovery } from '../failover/windowRecovery.js';
import { WriteAvailability } from '../failover/writeAvailability.js';
import type { OperationObserver } from '../load/operationEvent.js';
import { ShardLoad } from '../load/shardLoad.js';
import { readShardMap } from '../load/shardMap.js';
import { operationNames, totalDurationMs } from '../load/scenario.js';
import { collectSlowLog } from '../monitoring/slowLog.js';
import { buildSummary } from '../report/buildSummary.js';
import type { Summary } from '../report/summarySchema.js';
import { checkTargetReachable, resolveTarget } from '../target/resolveTarget.js';
import type { Target, TargetDescription } from '../target/target.js';
import { targetKind, targetLabel } from '../target/targetRef.js';
import { checkPlan, type RunPlan } from './runPlan.js';
import type { RunProgress, RunResult } from './runResult.js';
import { startObservers } from './runObservers.js';
import { verifyOnMaster, type LedgerVerification } from './verifyWrites.js';
import { WorkerPool } from '../scaleout/workerPool.js';
import { loadInWorkers, partialRunOf } from './loadInWorkers.js';

export interface RunControl {
  /** Aborting stops the load early (Ctrl-C); the run still heals, verifies and reports, and never passes. */
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** More operation observers (told about every completed operation; they must not keep the event). */
  observers?: readonly OperationObserver[];
  /**
   * A target the caller resolved and keeps across runs (a capacity sweep holds one topology for
   * all its steps): used instead of resolving `plan.target`, and left open when the run ends.
   */
  target?: Target;
}

/** Durable mode: how long a write waits for a replica's confirmation before it counts as not acknowledged. */
export const durableWaitMs = 1000;

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
  if (signal.aborted) return await report(plan, { ...nothingMeasured, target: plannedTarget(plan), load: loadNotStarted(scenario, windows), abortReason: abortReason() });

  const embedded = plan.cluster ? `starting embedded cluster (${plan.cluster.shards} shards of ${1 + plan.cluster.replicasPerShard} redis-server each, toxiproxy)` : 'starting embedded topology (3 redis-server, 3 redis-sentinel, toxiproxy)';
  say({ kind: 'phase', phase: 'prepare-target', message: targetKind(plan.target) === 'embedded' ? embedded : `reaching target ${targetLabel(plan.target)}` });
  const target = control.target ?? await resolveTarget({ target: plan.target, allowDestructive: plan.allowDestructive, minReplicasToWrite: plan.writeMode === 'durable' ? 1 : undefined, tls: plan.tls, cluster: plan.cluster });
  let stopObservers: (() => Promise<void>) | null = null;
  let watch: FailoverWatch | null = null;
  try {
    const redisVersion = await checkTargetReachable(target);
    const ledger = ledgerForScenario(scenario);
    // With workers the load (and its ledger) runs in threads; a chaos step that reads the ledger gets theirs first.
    // Workers build their own app clients (Sentinel, endpoint or Cluster); the per-shard figures and write gaps are this thread's, from their operation streams.
    const pool = (plan.workers ?? 1) > 1 ? new WorkerPool(plan.workers!) : null;
    let clock: RunClock = { now: () => 0, startedAtWallMs: Date.now() };
    // A cluster: which shard each operation goes to (per-shard figures, a struck shard's write gap).
    const shardMap = await readShardMap(target);
    const shardLoad = shardMap ? new ShardLoad(shardMap) : null;
    const writes = new WriteAvailability(shardMap ? { count: shardMap.count, of: (e) => shardMap.ofOperation(e) } : null);
    const recovery = new WindowRecovery(windows, scenario.thresholds.p99Ms, scenario.thresholds.maxErrorRate);
    // Through the sentinels; at a plain endpoint, from the client's side; over a cluster's nodes.
    watch = failoverWatchFor(target, shardMap, () => clock.now());
    // The topology whose processes and proxies gauntlet controls: Sentinel or Cluster.
    const controlled = target.topology ?? target.cluster ?? null;
    const chaos = plan.experiment && controlled ? new ChaosRunner(plan.experiment, controlled, ledger, { watch, writes, recovery, beforeStep: pool ? () => pool.syncLedger(ledger) : undefined }, runMs) : null;
    const unmet = chaos?.unmetPrecondition();
    if (unmet) throw new UserError(unmet);
    // App traffic crosses Toxiproxy only when an experiment acts on the app links: the proxy's own
    // cost (measured below) then never lands in the target's figures.
    const wanted = plan.dataPath ?? 'auto';
    const dataPath: DataPath = !controlled ? 'external' : wanted !== 'auto' ? wanted : chaos?.usesAppLinks() ? 'proxied' : 'direct';
    if (controlled) controlled.dataPath = dataPath === 'proxied' ? 'proxied' : 'direct';
    const tracker = watch ? new FailoverTracker(target.describe().masterName, watch, writes, recovery, () => chaos?.strikes() ?? [], plan.experiment?.thresholds.recoverWithinMs ?? 30_000) : null;
    say({ kind: 'phase', phase: 'start-observers', message: `target ${target.kind}${controlled ? ` ${controlled.id}` : ''} reachable (Redis ${redisVersion ?? '?'}); running ${scenario.name} for ${(runMs / 1000).toFixed(0)} s` });
    const observers = await startObservers(plan, target, () => watch?.changes.length ?? 0, say);
    stopObservers = observers.stop;
    const proxyBefore = target.topology ? await pingThroughProxy(target.topology) : null;
    const serverTime = new ServerTimeSampler(target, scenario.thresholds.p99Ms * 0.25);
    await serverTime.start();
    const runStartedWall = Date.now();
    let load: LoadResult;
    let scaleOut: Summary['scaleOut'] = null;
    let workerAbort: string | null = null;
    if (signal.aborted) load = loadNotStarted(scenario, windows);
    else {
      say({ kind: 'phase', phase: 'load', message: `load: ${scenario.name}` });
      const operationObservers: OperationObserver[] = [writes, ...(shardLoad ? [shardLoad] : []), ...(control.observers ?? [])];
      if (plan.verify && !pool) operationObservers.push(new LedgerObserver(ledger));
      if (observers.metrics) operationObservers.push(observers.metrics);
      const engine: LoadEngineOptions = {
        scenario,
        target,
        seed: plan.seed,
        windows,
        observers: operationObservers,
        signal,
        prepare: async (clients) => {
          chaos?.prepare(clients);
          await watch?.start();
        },
        onClockStart: (c) => {
          clock = c;
          chaos?.onClockStart(c);
        },
        onSecond: (p) => {
          // Failovers first: one seen this second opens its window before recovery is judged.
          tracker?.onSecond();
          recovery.onSecond(p.second);
          void serverTime.sample(p.elapsedS);
          observers.metrics?.second(p);
          say({ kind: 'second', snapshot: p, totalS: runMs / 1000 });
        },
        durableWaitMs: plan.writeMode === 'durable' ? durableWaitMs : null,
      };
      if (pool) ({ load, scaleOut, abortReason: workerAbort } = await loadInWorkers(pool, engine, partialRunOf(plan, target, redisVersion, null, dataPath), plan.verify ? ledger : null));
      else load = await runLoad(engine);
    }
    const recoveries = recovery.finish(load.durationMs);
    const server = await serverTime.finish();
    const proxyAfter = target.topology && proxyBefore ? await pingThroughProxy(target.topology) : null;
    const attribution = load.recorder.totalOps > 0 ? attributeLatency({ load, thresholds: scenario.thresholds, server, dataPath, proxy: proxyBefore ? { before: proxyBefore, after: proxyAfter } : null }) : null;
    let chaosOutcome: ChaosOutcome | null = null;
    if (chaos) {
      say({ kind: 'phase', phase: 'heal', message: 'healing faults and waiting for the topology to be healthy again' });
      chaosOutcome = await chaos.finish();
    }
    tracker?.onSecond();
    watch?.stop();
    let verification: LedgerVerification | null = null;
    if (plan.verify) {
      say({ kind: 'phase', phase: 'verify', message: `verifying ${ledger.records.size} sessions' acknowledged writes on the current master` });
      verification = await verifyOnMaster(target, ledger);
    }
    if (chaos?.hasDrills() && chaosOutcome) {
      say({ kind: 'phase', phase: 'drills', message: 'recovery drill: destroying the data, restoring the backup into a fresh node, checking it against the ledger' });
      chaosOutcome = await chaos.runDrills(chaosOutcome);
    }
    say({ kind: 'phase', phase: 'judge', message: 'judging' });
    const failover = tracker && watch ? failoverFigures({ failovers: tracker.failovers, events: watch.events, writes, recoveries, strikes: chaos?.strikes() ?? [], ledger: verification?.report ? ledger : null, startedAtWallMs: clock.startedAtWallMs }) : null;
    const alerts = observers.monitoring ? await observers.monitoring.firedBetween(runStartedWall, Date.now()).catch(() => null) : null;
    await stopObservers();
    stopObservers = null;
    const slowLog = target.topology ? await collectSlowLog(target.topology, runStartedWall).catch(() => null) : null;
    const shards = shardLoad ? { byShard: shardLoad.figures(), unattributedOps: shardLoad.unattributed } : null;
    return await report(plan, { target: target.describe(), redisVersion, load, chaos: chaosOutcome, failover, verification, attribution, alerts, slowLog, shards, abortReason: abortReason() ?? workerAbort, scaleOut });
  } finally {
    watch?.stop();
    await stopObservers?.().catch(() => undefined);
    if (!control.target) await target.close();
  }
}

export interface Measured {
  target: TargetDescription;
  redisVersion: string | null;
  load: LoadResult;
  chaos: ChaosOutcome | null;
  failover: FailoverFigures | null;
  verification: LedgerVerification | null;
  attribution: Attribution | null;
  alerts: Summary['alerts'];
  slowLog: Summary['slowLog'];
  /** A Cluster target's per-shard figures (absent: not a cluster). */
  shards?: Summary['shards'];
  abortReason: string | null;
  /** Workers and shards that generated the load (absent: one thread). */
  scaleOut?: Summary['scaleOut'];
}

const nothingMeasured = { redisVersion: null, chaos: null, failover: null, verification: null, attribution: null, alerts: null, slowLog: null, shards: null } as const;

/** Gates, verdict, the summary and what goes beside it; against the baseline when the plan has one. */
export async function report(plan: RunPlan, m: Measured): Promise<RunResult> {
  const ledgerReport = m.verification?.report ?? null;
  const gates = buildGates({ scenario: plan.scenario, load: m.load, chaos: m.chaos, failover: m.failover, ledger: m.verification ? (m.verification.report ?? { error: m.verification.error }) : null, abortReason: m.abortReason, attribution: m.attribution });
  const summarise = (g: typeof gates): Summary =>
    buildSummary({
      runId: plan.runId, scenario: plan.scenario, scenarioSource: plan.scenarioSource, seed: plan.seed, target: m.target, redisVersion: m.redisVersion,
      load: m.load, chaos: m.chaos, failover: m.failover, ledger: ledgerReport, attribution: m.attribution, writeMode: plan.writeMode, alerts: m.alerts, slowLog: m.slowLog, shards: m.shards ?? null, gates: g, judgement: judge(g), scaleOut: m.scaleOut,
    });
  let summary = summarise(gates);
  let comparison: RunResult['comparison'] = null;
  if (plan.baseline) {
    const choice = await plan.baseline.choose(summary);
    const rows = choice.summary ? compareRuns(choice.summary, summary, { ...defaultTolerances, minSamples: plan.scenario.thresholds.minSamplesPerOperation }) : [];
    comparison = { line: choice.line, rows };
    if (choice.summary) summary = summarise([...gates, ...regressionGates(rows, choice.summary.runId)]);
  }
  const recorder = m.load.recorder;
  const hgrm: Record<string, string> = { overall: recorder.hgrm('overall') };
  for (const op of operationNames) if (recorder.byOp().has(op)) hgrm[op] = recorder.hgrm(op);
  return { summary, hgrm, ledgerFindings: ledgerReport?.findings ?? [], comparison };
}

/** What the report says about a target the run never reached. */
function plannedTarget(plan: RunPlan): TargetDescription {
  return { kind: targetKind(plan.target), masterName: '', sentinels: [], endpoint: null, topologyId: null, tls: plan.tls !== undefined, settings: null };
}

