import { z } from 'zod';
import { gateKinds } from '../gates/gate.js';
import { percentilesSchema } from '../report/summarySchema.js';

/**
 * capacity.json, what `gauntlet capacity` writes for people and programs. The zod schema is the
 * one source: the types come from it and docs/capacity.schema.json is generated from it
 * (`npm run schema`; a unit test fails when the two drift apart).
 */
export const capacitySchemaVersion = 1;

const instanceChoice = z
  .object({ name: z.string(), memoryGiB: z.number(), pricePerHour: z.number().nullable(), pricePerMonth: z.number().nullable().describe('pricePerHour × 730') })
  .nullable()
  .describe('the smallest of the sizes the sizing file gave that holds this node; null when none was given or none is large enough');

export const capacityStepSchema = z.object({
  index: z.number().int().describe('1-based, in the order the steps ran'),
  phase: z.enum(['rise', 'descend', 'bisect']),
  attempt: z.number().int().describe('1, or 2-3 when the hold was doubled because the p99 was not yet stable'),
  runId: z.string().describe("the step's own run directory under steps/ (summary.json, index.html)"),
  requestedRate: z.number().describe('offered session operations per second the sweep asked for'),
  sessions: z.number().int().describe('concurrent sessions held (they offer the requested rate at the scenario\'s think time and lifetime)'),
  rampMs: z.number(),
  holdMs: z.number(),
  result: z.enum(['within', 'over', 'harness-limit', 'interrupted']).describe('within: every gate held; over: a load gate failed (the target\'s time); harness-limit: a validity gate failed (the generator fell behind); interrupted: stopped'),
  reasons: z.array(z.string()).describe('the failed gates, as "name: actual (limit ...)"'),
  offeredRate: z.number().describe('operations the schedule intended in the hold, per second'),
  achievedRate: z.number().describe('operations intended in the hold that completed without an error, per second of the hold'),
  intendedOps: z.number().int(),
  completedOps: z.number().int(),
  errors: z.number().int(),
  errorRate: z.number(),
  throughputRatio: z.number().describe('completed without error / intended, in the hold'),
  latencyMs: percentilesSchema.describe('operations intended in the hold'),
  p99Interval: z
    .object({
      samples: z.number().int(),
      lowMs: z.number(),
      highMs: z.number(),
      confidence: z.number().describe('0.95'),
      relativeHalfWidth: z.number().nullable().describe('the interval\'s farther end from the p99, as a share of it; null when the samples were too few'),
      stable: z.boolean().describe('the whole interval within ±precision of the p99'),
    })
    .describe('distribution-free confidence interval of the hold\'s p99 (binomial order statistics)'),
  gates: z.array(z.object({ name: z.string(), kind: z.enum(gateKinds), limit: z.string(), actual: z.string(), pass: z.boolean() })).describe('the load gates over the hold and the run\'s validity gates'),
  generator: z.object({
    cpuPercentMean: z.number(),
    cpuPercentMax: z.number(),
    schedulerLagP99Ms: z.number(),
    saturated: z.boolean(),
    reason: z.string().nullable(),
  }),
  memory: z.object({
    usedBytesStart: z.number().nullable(),
    usedBytesPeak: z.number().nullable(),
    bytesPerSession: z.number().nullable().describe('(peak - start) used_memory on the master, less the replication backlog, / peak concurrent sessions of the step'),
    notMeasured: z.string().nullable(),
  }),
});

export const capacitySchema = z
  .object({
    schemaVersion: z.literal(capacitySchemaVersion),
    runId: z.string(),
    startedAt: z.string().describe('ISO 8601'),
    durationMs: z.number(),
    scenario: z.object({
      name: z.string(),
      source: z.string(),
      targetRate: z.number().describe('session operations per second the scenario holds at its peak: what the exit code compares the capacity with'),
      ratePerSession: z.number().describe('operations per second one live session offers (1 / mean think time + 2 / mean lifetime)'),
      p99BudgetMs: z.number(),
      perOperationP99Ms: z.number().nullable(),
      maxErrorRate: z.number(),
      minThroughputRatio: z.number(),
    }),
    target: z.object({
      kind: z.enum(['embedded', 'detached', 'external']),
      topologyId: z.string().nullable(),
      sentinels: z.array(z.string()),
      endpoint: z.string().nullable(),
      redisVersion: z.string().nullable(),
      flushedBetweenSteps: z.boolean().describe('true on an embedded topology the sweep started: each step starts from an empty store'),
    }),
    settings: z.object({
      from: z.number(),
      factor: z.number(),
      stepDurationMs: z.number().describe('the hold of a step before any doubling'),
      p99Precision: z.number().describe('the p99\'s 95 % interval must lie within ± this share of it'),
      resolution: z.number().describe('bisection stops when first bad / last good - 1 is at most this'),
      maxSteps: z.number().int(),
      workers: z.number().int(),
      dataPath: z.enum(['auto', 'direct', 'proxied']),
      seed: z.number().int(),
    }),
    steps: z.array(capacityStepSchema),
    outcome: z.object({
      kind: z.enum(['knee', 'harness-limit', 'no-knee', 'interrupted']),
      line: z.string().describe('the sentence the console prints'),
      capacityRate: z.number().nullable().describe('the highest rate within budget below the knee (last good)'),
      firstBadRate: z.number().nullable(),
      harnessLimitRate: z.number().nullable().describe('the rate at which the generator fell behind: a limit of the harness, never the target\'s capacity'),
      capacitySessions: z.number().int().nullable(),
      aboveTargetRate: z.boolean().nullable(),
      note: z.string().nullable(),
      exitCode: z.number().int(),
    }),
    memory: z.object({
      bytesPerSession: z.number().nullable().describe('median over the steps (those of 1,000 sessions or more when there are any)'),
      baseBytes: z.number().describe('used_memory before the first step\'s sessions, plus the replication backlog'),
      replicationBacklogBytes: z.number().nullable().describe('repl-backlog-size on the master (INFO replication): a fixed cost the per-session figures leave out; null where INFO could not be read'),
      notMeasured: z.string().nullable(),
    }),
    sizing: z.object({
      headroomPct: z.number(),
      selfManagedForkReservePct: z.number(),
      elasticacheReservedPct: z.number(),
      source: z.string().nullable().describe('the sizing file, or null for the defaults'),
      rows: z.array(
        z.object({
          sessions: z.number().int(),
          opsPerSecond: z.number(),
          withinCapacity: z.boolean().nullable(),
          redisBytes: z.number(),
          maxmemoryBytes: z.number(),
          selfManaged: z.object({ nodeBytes: z.number(), instance: instanceChoice }),
          elasticache: z.object({ nodeBytes: z.number(), instance: instanceChoice }),
        }),
      ),
    }),
    environment: z.object({ gauntletVersion: z.string(), node: z.string(), platform: z.string(), cpus: z.number().int() }),
  })
  .describe('gauntlet capacity sweep');

export type Capacity = z.infer<typeof capacitySchema>;
export type CapacityStep = z.infer<typeof capacityStepSchema>;

export function capacityJsonSchema(): unknown {
  return z.toJSONSchema(capacitySchema, { target: 'draft-2020-12' });
}
