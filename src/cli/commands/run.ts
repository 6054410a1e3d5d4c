import { ExitCode, UserError } from '../../errors.js';
import { ledgerForScenario, runLoad } from '../../load/loadEngine.js';
import { loadScenario } from '../../load/loadScenario.js';
import { applyOverrides, totalDurationMs } from '../../load/scenario.js';
import { buildSummary } from '../../report/buildSummary.js';
import { renderConsoleSummary } from '../../report/consoleSummary.js';
import { progressReporter } from '../../report/progressReporter.js';
import { newRunId, writeRunReport } from '../../report/writeRunReport.js';
import { checkTargetReachable, resolveTarget } from '../../target/resolveTarget.js';
import { onShutdownSignal } from '../shutdownSignals.js';
import { loadExperiment } from '../../chaos/loadExperiment.js';
import { ChaosRunner } from '../../chaos/chaosRunner.js';
import { openRunBaseline } from '../../history/runBaseline.js';
import { startLiveMetrics, type LiveMetrics } from '../../report/liveMetrics.js';
import { MonitoringStack } from '../../monitoring/monitoringStack.js';
import { collectSlowLog } from '../../monitoring/slowLog.js';
import { freePort } from '../../topology/freePort.js';
import { compareRuns } from '../../checks/compareRuns.js';
import { renderComparison } from '../../report/comparisonTable.js';
import { Redis } from 'ioredis';
import { TargetError } from '../../errors.js';
import type { Target } from '../../target/target.js';
import type { Ledger } from '../../checks/ledger.js';
import { verifyLedger, type LedgerReport } from '../../checks/verifyLedger.js';

export interface RunOptions {
  scenario: string;
  sessions?: number;
  rate?: number;
  duration?: number;
  target?: string;
  out: string;
  seed: number;
  allowDestructive: boolean;
  quiet: boolean;
  chaos?: string;
  durable: boolean;
  verify: boolean;
  baseline?: string;
  history?: string;
  metricsPort?: number;
  monitoring: boolean;
  tls: boolean;
  mtls: boolean;
}

/** Durable mode: how long a write waits for a replica's confirmation before it counts as not acknowledged. */
const durableWaitMs = 1000;

/** Reads the ledger's keys from the current master: the harness's control connection when we own the topology. */
async function verifyOnMaster(target: Target, ledger: Ledger): Promise<LedgerReport> {
  if (target.topology) {
    const master = await target.topology.currentMaster();
    if (!master) throw new TargetError('cannot verify acknowledged writes: no master after healing');
    return verifyLedger(ledger, master.control());
  }
  const client = new Redis({ ...target.clientOptions(), maxRetriesPerRequest: 2, commandTimeout: 10_000 });
  client.on('error', () => undefined);
  try {
    return await verifyLedger(ledger, client);
  } finally {
    client.disconnect();
  }
}

const exitFor = { pass: ExitCode.pass, fail: ExitCode.thresholdFailed, invalid: ExitCode.invalidRun } as const;

/** `gauntlet run`: load a scenario, bring up or reach the target, drive it, gate, report. */
export async function run(o: RunOptions): Promise<number> {
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  // Validate everything the user typed before starting any server.
  const loaded = await loadScenario(o.scenario);
  const baseline = await openRunBaseline(o);
  const scenario = applyOverrides(loaded.scenario, { sessions: o.sessions, loginRate: o.rate, durationMs: o.duration });
  const experiment = o.chaos ? await loadExperiment(o.chaos) : null;
  const runId = newRunId(scenario.name);

  const abort = new AbortController();
  const offSignal = onShutdownSignal((signal) => {
    log(`\n${signal}: stopping the load, then writing the report (again to exit at once)`);
    abort.abort();
  });
  if (experiment && o.target !== undefined && !o.target.startsWith('detached') && o.target !== 'embedded') {
    // Said before anything starts: faults need process and proxy control of the target.
    throw new UserError(`chaos experiment ${experiment.name} needs process signals and proxies; it runs on the embedded topology or a detached one (\`--target detached\`), not on an external target`);
  }
  if ((o.tls || o.mtls) && o.target !== undefined && o.target !== 'embedded') throw new UserError('--tls/--mtls start an embedded TLS topology; a detached one keeps the TLS setting it was started with (`gauntlet up --tls`), an external one takes tls in its target file');
  const target = await resolveTarget({ target: o.target, allowDestructive: o.allowDestructive, onProgress: log, minReplicasToWrite: o.durable ? 1 : undefined, tls: o.mtls ? 'mtls' : o.tls ? 'tls' : undefined });
  // Started beside the topology; ended in `finally` so a run that fails part-way leaves neither
  // Prometheus and exporters on a detached topology nor the metrics port open.
  let metrics: LiveMetrics | null = null;
  let monitoring: MonitoringStack | null = null;
  try {
    if (abort.signal.aborted) throw new UserError('interrupted before the load started');
    const redisVersion = await checkTargetReachable(target);
    log(`target ${target.kind}${target.topology ? ` ${target.topology.id}` : ''} reachable (Redis ${redisVersion ?? '?'}); running ${scenario.name} for ${(totalDurationMs(scenario) / 1000).toFixed(0)} s`);
    const progress = progressReporter(process.stderr, totalDurationMs(scenario) / 1000);
    if (o.monitoring && !target.topology) throw new UserError('--monitoring starts exporters and Prometheus next to the topology; it needs the embedded or a detached topology');
    const runLedger = ledgerForScenario(scenario);
    const chaos = experiment && target.topology ? new ChaosRunner(experiment, target.topology, runLedger) : null;
    const unmet = chaos?.unmetPrecondition();
    if (unmet) throw new UserError(unmet);
    // With --monitoring, Prometheus scrapes gauntlet's own series beside the exporters' (on a free port unless one is given).
    const metricsPort = o.metricsPort ?? (o.monitoring && target.topology ? await freePort() : undefined);
    metrics = metricsPort ? await startLiveMetrics(metricsPort, () => chaos?.failoverCount() ?? 0) : null;
    if (metrics) log(`live metrics on ${metrics.url}`);
    monitoring = o.monitoring && target.topology ? await MonitoringStack.start(target.topology, { gauntletMetrics: metricsPort ? `127.0.0.1:${metricsPort}` : undefined }) : null;
    if (monitoring) log(`Prometheus with the alert rules on ${monitoring.prometheusUrl}`);
    const runStartedWall = Date.now();
    const load = await runLoad({
      scenario,
      target,
      seed: o.seed,
      ledger: runLedger,
      abortSignal: abort.signal,
      onSecond: (p) => {
        metrics?.second(p);
        if (!o.quiet) progress.update(p);
      },
      chaosHooks: chaos?.hooks(totalDurationMs(scenario)),
      onStart: chaos ? (clock, appClients) => chaos.start(clock, appClients) : undefined,
      // Only when something listens: this runs once per operation, the generator's hottest path.
      onOperation:
        chaos || metrics
          ? (e) => {
              chaos?.writes.record(e.client, e.sentMs, e.doneMs, e.error === null);
              metrics?.operation(e);
            }
          : undefined,
      durable: o.durable ? { waitMs: durableWaitMs } : undefined,
    });
    if (!o.quiet) progress.done();
    await metrics?.close();
    metrics = null;
    if (chaos) log('healing faults and waiting for the topology to be healthy again');
    let chaosOutcome = chaos ? await chaos.finish() : undefined;
    let ledger: LedgerReport | undefined;
    if (o.verify) {
      log(`verifying ${load.ledger.records.size} sessions' acknowledged writes on the current master`);
      ledger = await verifyOnMaster(target, load.ledger);
    }
    if (chaos?.hasDrills() && chaosOutcome) {
      log('recovery drill: destroying the data, restoring the backup into a fresh node, checking it against the ledger');
      chaosOutcome = await chaos.runDrills(chaosOutcome);
    }
    const alerts = monitoring ? await monitoring.firedBetween(runStartedWall, Date.now()) : undefined;
    await monitoring?.stop();
    monitoring = null;
    const slowLog = target.topology ? await collectSlowLog(target.topology, runStartedWall) : undefined;
    const summary = buildSummary({ runId, scenario, scenarioSource: loaded.source, seed: o.seed, target: target.describe(), redisVersion, load, chaos: chaosOutcome, ledger, writeMode: o.durable ? 'durable' : 'async', alerts, slowLog });
    const dir = await writeRunReport(o.out, summary, load.recorder, ledger?.findings);
    console.log(renderConsoleSummary(summary));
    let code: number = exitFor[summary.verdict];
    const chosen = await baseline?.choose(summary);
    if (chosen && !chosen.summary) console.log(chosen.line);
    if (chosen?.summary) {
      const rows = compareRuns(chosen.summary, summary);
      console.log(`${chosen.line}:\n${renderComparison(rows)}`);
      if (code === ExitCode.pass && rows.some((r) => r.regression)) code = ExitCode.thresholdFailed;
    }
    console.log(`report: ${dir}/summary.json (index.html, junit.xml beside it)`);
    return code;
  } finally {
    offSignal();
    await metrics?.close().catch(() => undefined);
    await monitoring?.stop().catch(() => undefined);
    await target.close();
  }
}
