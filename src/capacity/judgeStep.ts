import { attributeSpan, breachBeyondGenerator, type Attribution, type JudgedSpan } from '../attribution/latencyAttribution.js';
import { judge, type Gate } from '../gates/gate.js';
import { loadGates } from '../gates/loadGates.js';
import { errorsBeyondGenerator, keptScheduleGate, keptScheduleGateOf, ownBreachGate, ownBreachGateOf } from '../gates/validityGates.js';
import { generatorLimits, type Scenario } from '../load/scenario.js';
import type { Summary } from '../report/summarySchema.js';
import type { HoldFigures } from './holdRecorder.js';
import type { StepClass } from './sweepLogic.js';

/** The validity gate a stopped run fails: a stop is an interruption here, not the harness's limit. */
const ranToEnd = 'the run went to the end of its schedule';

/** What the judgement reads from the step's run summary. */
export type StepRunFacts = Pick<Summary, 'aborted' | 'thresholds' | 'attribution'> & {
  ops: Pick<Summary['ops'], 'intended'>;
  generator: Pick<Summary['generator'], 'eventLoopDelayMs' | 'saturated' | 'reason' | 'schedulerLagOutsideChaosMs'>;
};

export interface StepJudgement {
  result: StepClass;
  gates: Gate[];
  /** The failed gates, as "name: actual (limit ...)". */
  reasons: string[];
  /** Operations the schedule intended within the hold. */
  intendedOps: number;
}

/**
 * A step is judged by a run's own gates (src/gates) over its hold: the scenario's load gates (p99
 * overall and per operation, error rate, completed / intended) of the operations intended in the
 * hold, and the validity gates. Whether the generator kept its schedule is the run's gate as the
 * run judged it, over the whole step; whether a latency breach is the generator's own stalls, and
 * whether the hold's reply times outweigh a late generator, is judged on the hold's own
 * attribution (its operations and the seconds they completed in, beside the run's generator and
 * server figures: `holdAttribution`), so a ramp's stall neither clears nor condemns a hold.
 * `judge` orders them as for a run: a failed validity gate makes the step the harness's limit,
 * whatever the load gates say, unless it is marked outweighed (the hold's reply times alone
 * breached past the generator's longest stall, or the hold's errors are the target's) and a load
 * gate failed too; else a failed load gate puts the step over the knee.
 */
export function judgeStep(scenario: Scenario, summary: StepRunFacts, hold: HoldFigures, span: JudgedSpan): StepJudgement {
  // Operations intended in the ramp all complete long before the run ends, so the rest of the run's intended count is the hold's.
  const intendedOps = Math.max(hold.completed, summary.ops.intended - hold.beforeHold);
  const attribution = holdAttribution(scenario, summary, span);
  const load = loadGates({ thresholds: scenario.thresholds, overall: hold.overall, byOp: hold.byOp, totalOps: hold.completed, errors: hold.errors, intendedOps, scope: ' (hold)', causes: attribution });
  // A sweep runs no chaos, so only the hold's errors outweigh its own breach.
  const errorsBeyond = errorsBeyondGenerator(load, summary.generator, scenario.clients.commandTimeoutMs);
  const validity: Gate[] = [
    // The run's lag, over the whole step; a late generator does not decide when the hold's own reply times breach past what its lateness can add.
    keptScheduleGateOf(summary.generator, generatorLimits(scenario).maxSchedulerLagP99Ms, attribution ? breachBeyondGenerator(attribution) : null),
    ownBreachGateOf(attribution, errorsBeyond),
    ...summary.thresholds.filter((t) => t.kind === 'validity' && ![keptScheduleGate, ownBreachGate, ranToEnd].includes(t.name)).map((t) => ({ ...t, kind: 'validity' as const })),
  ];
  const gates = [...load, ...validity];
  const failed = gates.filter((g) => !g.pass).map((g) => `${g.name}: ${g.actual} (limit ${g.limit})`);
  if (summary.aborted) return { result: 'interrupted', gates, reasons: ['stopped (Ctrl-C) before the hold ended'], intendedOps };
  const verdict = judge(gates).verdict;
  return { result: verdict === 'invalid' ? 'harness-limit' : verdict === 'fail' ? 'over' : 'within', gates, reasons: failed, intendedOps };
}

/** Whose time the hold's breaches are: the hold's operations and seconds, the run's generator, server and data-path figures. Null when the run attributed nothing (it completed no operation). */
function holdAttribution(scenario: Scenario, summary: StepRunFacts, span: JudgedSpan): Attribution | null {
  const run = summary.attribution;
  if (!run) return null;
  return attributeSpan(span, { thresholds: scenario.thresholds, server: run.server, dataPath: run.dataPath, proxy: run.proxy, generator: run.generator });
}
