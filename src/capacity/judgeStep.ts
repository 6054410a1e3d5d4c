import { judge, type Gate } from '../gates/gate.js';
import { loadGates } from '../gates/loadGates.js';
import { errorsBeyondGenerator, ownBreachGate } from '../gates/validityGates.js';
import type { Scenario } from '../load/scenario.js';
import type { Summary } from '../report/summarySchema.js';
import type { HoldFigures } from './holdRecorder.js';
import type { StepClass } from './sweepLogic.js';

/** The validity gate a stopped run fails: a stop is an interruption here, not the harness's limit. */
const ranToEnd = 'the run went to the end of its schedule';

/** What the judgement reads from the step's run summary. */
export type StepRunFacts = Pick<Summary, 'aborted' | 'thresholds' | 'attribution'> & { ops: Pick<Summary['ops'], 'intended'>; generator: Pick<Summary['generator'], 'eventLoopDelayMs'> };

export interface StepJudgement {
  result: StepClass;
  gates: Gate[];
  /** The failed gates, as "name: actual (limit ...)". */
  reasons: string[];
  /** Operations the schedule intended within the hold. */
  intendedOps: number;
}

/**
 * A step is judged by a run's own gates (src/gates): the scenario's load gates (p99 overall and
 * per operation, error rate, completed / intended) over the hold, and the run's validity gates as
 * the run judged them (the generator kept its schedule; a breach is not the generator's own
 * stall). `judge` orders them as for a run: a failed validity gate makes the step the harness's
 * limit, whatever the load gates say, unless the run marked it outweighed (the reply times alone
 * breached past the generator's longest stall) and a load gate failed too; else a failed load
 * gate puts the step over the knee.
 */
export function judgeStep(scenario: Scenario, summary: StepRunFacts, hold: HoldFigures): StepJudgement {
  // Operations intended in the ramp all complete long before the run ends, so the rest of the run's intended count is the hold's.
  const intendedOps = Math.max(hold.completed, summary.ops.intended - hold.beforeHold);
  const load = loadGates({ thresholds: scenario.thresholds, overall: hold.overall, byOp: hold.byOp, totalOps: hold.completed, errors: hold.errors, intendedOps, scope: ' (hold)', causes: summary.attribution, causesOver: 'the whole run' });
  // A sweep runs no chaos, so only errors outweigh the run's own-breach gate: judged again on
  // the hold's errors (the run's error gate covers the ramp too).
  const errorsBeyond = errorsBeyondGenerator(load, summary.generator, scenario.clients.commandTimeoutMs);
  const validity: Gate[] = summary.thresholds
    .filter((t) => t.kind === 'validity' && t.name !== ranToEnd)
    .map(({ outweighed, ...t }) => {
      const by = t.name !== ownBreachGate ? outweighed : t.pass ? undefined : (errorsBeyond ?? undefined);
      return { ...t, kind: 'validity', ...(by !== undefined ? { outweighed: by } : {}) };
    });
  const gates = [...load, ...validity];
  const failed = gates.filter((g) => !g.pass).map((g) => `${g.name}: ${g.actual} (limit ${g.limit})`);
  if (summary.aborted) return { result: 'interrupted', gates, reasons: ['stopped (Ctrl-C) before the hold ended'], intendedOps };
  const verdict = judge(gates).verdict;
  return { result: verdict === 'invalid' ? 'harness-limit' : verdict === 'fail' ? 'over' : 'within', gates, reasons: failed, intendedOps };
}
