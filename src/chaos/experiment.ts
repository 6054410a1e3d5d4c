import { z } from 'zod';
import { parseDurationMs } from '../inputValidation.js';
import { faultSpec } from './faultRegistry.js';

export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    description: z.string(),
    /** `at`: a duration into the run, or a share of it ("50%"). */
    steps: z.array(z.object({ at: z.string().regex(/^(\d+(\.\d+)?%|\d+(ms|s|m))$/, 'a duration such as "40s" or a share such as "50%"'), fault: faultSpec }).strict()).min(1),
    thresholds: z
      .object({
        /** true: at least one failover must happen; false: none may. */
        expectFailover: z.boolean().optional(),
        maxWriteUnavailabilityMs: z.number().positive().optional(),
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
