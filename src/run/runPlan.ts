import { availableParallelism } from 'node:os';
import { UserError } from '../errors.js';
import { loadExperiment } from '../chaos/loadExperiment.js';
import { buildFault, faultType } from '../chaos/faultRegistry.js';
import type { Experiment } from '../chaos/experiment.js';
import { loadScenario } from '../load/loadScenario.js';
import { applyOverrides, type Scenario } from '../load/scenario.js';
import { openRunBaseline, type RunBaseline } from '../history/runBaseline.js';
import { newRunId } from '../report/writeRunReport.js';
import { targetKind, type TargetRef } from '../target/targetRef.js';
import { referenceClusterSettings } from '../topology/embeddedCluster.js';

/** Everything a run needs, decided before anything starts. Code builds one with `planRun` or by hand. */
export interface RunPlan {
  runId: string;
  scenario: Scenario;
  /** Where the scenario came from (a file path), for the report. */
  scenarioSource: string;
  experiment: Experiment | null;
  seed: number;
  /** undefined or 'embedded': start an embedded topology; 'detached[:id]': one from `gauntlet up --detach`; else a target file or inline target flags. */
  target: TargetRef | undefined;
  /** Embedded topology only: TLS on every link ('mtls': client certificates required). */
  tls: 'tls' | 'mtls' | undefined;
  /** Embedded only: a Redis Cluster of this shape instead of the Sentinel topology. */
  cluster?: { shards: number; replicasPerShard: number };
  allowDestructive: boolean;
  /** durable: every write waits for a replica (WAIT 1), min-replicas-to-write 1 on our topologies. */
  writeMode: 'async' | 'durable';
  verify: boolean;
  /** Exporters and Prometheus with the alert rules beside our topology. */
  monitoring: boolean;
  /** Serve live Prometheus metrics on 127.0.0.1:<port> during the run. */
  metricsPort: number | undefined;
  /** An earlier run to compare with (a file, or picked from a history once this run's settings are known): a regression beyond tolerance fails this one. */
  baseline: RunBaseline | null;
  /**
   * How app traffic reaches our topology's nodes: 'auto' (direct unless an experiment acts on the
   * app links), or forced 'direct' / 'proxied' (through Toxiproxy, to add toxics by hand).
   */
  dataPath?: 'auto' | 'direct' | 'proxied';
  /**
   * Worker threads generating the load, each over its share of the schedule (default 1: the load
   * runs in this thread). At most one per core.
   */
  workers?: number;
}

/** What a person (the CLI) asks for; `planRun` turns it into a plan or says in one line what is wrong. */
export interface RunRequest {
  scenario: string;
  sessions?: number;
  rate?: number;
  duration?: number;
  target?: TargetRef;
  seed: number;
  chaos?: string;
  durable: boolean;
  verify: boolean;
  /** A summary.json, or "auto": the newest passing run of the same settings in `history`. */
  baseline?: string;
  /** With baseline "auto": where earlier runs are (default: `out`). */
  history?: string;
  /** Where run directories go (the default history for baseline "auto"). */
  out?: string;
  metricsPort?: number;
  monitoring: boolean;
  tls: boolean;
  mtls: boolean;
  /** Start an embedded Redis Cluster (`--cluster`, with `--shards`, `--replicas-per-shard`). */
  cluster?: boolean;
  shards?: number;
  replicasPerShard?: number;
  allowDestructive: boolean;
  dataPath?: 'auto' | 'direct' | 'proxied';
  workers?: number;
}

const isOurTopology = (target: TargetRef | undefined): boolean => targetKind(target) !== 'external';

/** Validates everything the user typed before any server starts. */
export async function planRun(r: RunRequest): Promise<RunPlan> {
  const loaded = await loadScenario(r.scenario);
  const scenario = applyOverrides(loaded.scenario, { sessions: r.sessions, loginRate: r.rate, durationMs: r.duration });
  const experiment = r.chaos ? await loadExperiment(r.chaos) : null;
  const baseline = await openRunBaseline({ baseline: r.baseline, history: r.history, out: r.out ?? 'reports' });
  const plan: RunPlan = {
    runId: newRunId(scenario.name),
    scenario,
    scenarioSource: loaded.source,
    experiment,
    seed: r.seed,
    target: r.target,
    tls: r.mtls ? 'mtls' : r.tls ? 'tls' : undefined,
    cluster: clusterShape(r),
    allowDestructive: r.allowDestructive,
    writeMode: r.durable ? 'durable' : 'async',
    verify: r.verify,
    monitoring: r.monitoring,
    metricsPort: r.metricsPort,
    baseline,
    dataPath: r.dataPath ?? 'auto',
    workers: r.workers ?? 1,
  };
  checkPlan(plan);
  return plan;
}

function clusterShape(r: RunRequest): RunPlan['cluster'] {
  if (!r.cluster) {
    if (r.shards !== undefined || r.replicasPerShard !== undefined) throw new UserError('--shards and --replicas-per-shard shape an embedded cluster: add --cluster');
    return undefined;
  }
  return { shards: r.shards ?? referenceClusterSettings.shards, replicasPerShard: r.replicasPerShard ?? referenceClusterSettings.replicasPerShard };
}

/** The cross-checks between settings, said before anything starts (also for plans built in code). */
export function checkPlan(p: RunPlan): void {
  if (p.experiment && !isOurTopology(p.target)) {
    throw new UserError(`chaos experiment ${p.experiment.name} needs process signals and proxies; it runs on the embedded topology or a detached one (\`--target detached\`), not on an external target`);
  }
  if (p.tls && targetKind(p.target) !== 'embedded') {
    throw new UserError('--tls/--mtls start an embedded TLS topology; a detached one keeps the TLS setting it was started with (`gauntlet up --tls`), an external one takes tls from its target file or --cacert');
  }
  if (p.monitoring && !isOurTopology(p.target)) throw new UserError('--monitoring starts exporters and Prometheus next to the topology; it needs the embedded or a detached topology');
  if (p.cluster && targetKind(p.target) !== 'embedded') throw new UserError('--cluster starts an embedded cluster; a detached one is used as it was started (`gauntlet up --cluster`), an external one as its target file says');
  if (p.dataPath && p.dataPath !== 'auto' && !isOurTopology(p.target)) throw new UserError('--data-path chooses how app traffic reaches our own topology; an external target is reached as its file says');
  if (p.dataPath === 'direct' && p.experiment?.steps.some((s) => faultType(s.fault.kind).usesAppLinks)) {
    // Said before anything starts: the experiment's faults would never reach the app.
    throw new UserError(`--data-path direct: experiment ${p.experiment.name} acts on the app links (Toxiproxy), which a direct data path bypasses; leave --data-path auto`);
  }
  checkWorkers(p.workers ?? 1, p.experiment);
}

/** Whether the load can run in `workers` threads here, with this experiment; said in one line when not. */
export function checkWorkers(workers: number, experiment: Experiment | null, cores = availableParallelism()): void {
  if (!Number.isInteger(workers) || workers < 1) throw new UserError(`--workers must be a whole number, 1 or more, got ${workers}`);
  if (workers > cores) throw new UserError(`--workers ${workers}: this machine has ${cores} core${cores === 1 ? '' : 's'}, and each worker needs one to keep its schedule; use at most ${cores}, or shards on more machines (--shard)`);
  if (workers === 1 || !experiment) return;
  for (const step of experiment.steps) {
    if (faultType(step.fault.kind).usesAppClients) throw new UserError(`--workers ${workers}: experiment ${experiment.name}'s step ${step.fault.kind} reconfigures the app's clients, which run inside the workers; run it without --workers`);
    if (buildFault(step.fault).drill) throw new UserError(`--workers ${workers}: experiment ${experiment.name}'s step ${step.fault.kind} copies the ledger at one exact moment of the load, which the workers keep; run it without --workers`);
  }
}
