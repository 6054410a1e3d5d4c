import { z } from 'zod';
import { parseDurationMs } from '../inputValidation.js';
import { faultSpec, faultType } from './faultRegistry.js';

export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    description: z.string(),
    /** `at`: a duration into the run, or a share of it ("50%"). */
    steps: z.array(z.object({ at: z.string().regex(/^(\d+(\.\d+)?%|\d+(ms|s|m))$/, 'a duration such as "40s" or a share such as "50%"'), fault: faultSpec }).strict()).min(1),
    thresholds: z
      .object({
        /** true: at least one failover must happen (and belongs to recovery); false: none may. */
        expectFailover: z.boolean().optional(),
        /** Sentinel failover time limit (strike to +switch-master); default: down-after-milliseconds + 5 s. */
        failoverWithinMs: z.number().positive().optional(),
        /** Worst client's write gap limit; default with expectFailover: down-after-milliseconds + 7 s. */
        maxWriteUnavailabilityMs: z.number().positive().optional(),
        /** A chaos window still open this long after its strike fails the run ("did not recover"); null: an outage the experiment expects to last. */
        recoverWithinMs: z.number().positive().nullable().default(30_000),
        /** Share of the operations inside a window that may fail. */
        maxErrorRateInWindow: z.number().min(0).max(1).default(0.5),
        /** After healing, the topology must be healthy again within this time. */
        healthyWithinMs: z.number().positive().default(60_000),
      })
      .strict(),
  })
  .strict();
export type ExperimentInput = z.input<typeof experimentSchema>;
export type Experiment = z.output<typeof experimentSchema>;

export function defineExperiment(e: ExperimentInput): ExperimentInput {
  return e;
}

export function stepOffsetMs(at: string, runMs: number): number {
  if (at.endsWith('%')) return Math.round((Number(at.slice(0, -1)) / 100) * runMs);
  return parseDurationMs(at) ?? 0;
}

/**
 * Whether step `index`'s chaos window waits for a failover before it can recover, on a topology
 * whose failure detection takes `detectionMs`: in an experiment that expects one, the steps that
 * fail the master over (a kill, a failover asked for, a freeze or partition at least that long)
 * wait; a latency step, or a freeze too short to be detected, before them does not, or its window
 * would stay open until another step's failover and be judged on its outage. An experiment that
 * expects a failover from none of those (a user's slow-command flood that gets the master marked
 * down) has every data-path step wait, as the failover can only be one of theirs.
 */
export function stepWaitsForFailover(e: Experiment, index: number, detectionMs: number): boolean {
  if (e.thresholds.expectFailover !== true) return false;
  const failsOver = (i: number): boolean => {
    const spec = e.steps[i]!.fault;
    return faultType(spec.kind).failsOverMaster(spec as never, detectionMs);
  };
  return failsOver(index) || !e.steps.some((_, i) => failsOver(i));
}
