import { UserError } from '../errors.js';
import { loadExperiment } from '../chaos/loadExperiment.js';
import type { Experiment } from '../chaos/experiment.js';
import { loadScenario } from '../load/loadScenario.js';
import { applyOverrides, type Scenario } from '../load/scenario.js';
import { readSummaryFile } from '../report/readSummary.js';
import type { Summary } from '../report/summarySchema.js';
import { newRunId } from '../report/writeRunReport.js';
import { targetKind, type TargetRef } from '../target/targetRef.js';

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
  allowDestructive: boolean;
  /** durable: every write waits for a replica (WAIT 1), min-replicas-to-write 1 on our topologies. */
  writeMode: 'async' | 'durable';
  verify: boolean;
  /** Exporters and Prometheus with the alert rules beside our topology. */
  monitoring: boolean;
  /** Serve live Prometheus metrics on 127.0.0.1:<port> during the run. */
  metricsPort: number | undefined;
  /** An earlier run to compare with: a regression beyond tolerance fails this one. */
  baseline: { file: string; summary: Summary } | null;
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
  baseline?: string;
  metricsPort?: number;
  monitoring: boolean;
  tls: boolean;
  mtls: boolean;
  allowDestructive: boolean;
}

const isOurTopology = (target: TargetRef | undefined): boolean => targetKind(target) !== 'external';

/** Validates everything the user typed before any server starts. */
export async function planRun(r: RunRequest): Promise<RunPlan> {
  const loaded = await loadScenario(r.scenario);
  const scenario = applyOverrides(loaded.scenario, { sessions: r.sessions, loginRate: r.rate, durationMs: r.duration });
  const experiment = r.chaos ? await loadExperiment(r.chaos) : null;
  const baseline = r.baseline ? { file: r.baseline, summary: await readSummaryFile(r.baseline) } : null;
  const plan: RunPlan = {
    runId: newRunId(scenario.name),
    scenario,
    scenarioSource: loaded.source,
    experiment,
    seed: r.seed,
    target: r.target,
    tls: r.mtls ? 'mtls' : r.tls ? 'tls' : undefined,
    allowDestructive: r.allowDestructive,
    writeMode: r.durable ? 'durable' : 'async',
    verify: r.verify,
    monitoring: r.monitoring,
    metricsPort: r.metricsPort,
    baseline,
  };
  checkPlan(plan);
  return plan;
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
}
