import { z } from 'zod';

/**
 * The few fields of a summary.json that the history charts and the baseline picker read.
 *
 * Deliberately not the full summary schema (src/report/summarySchema.ts): a history spans months of
 * nights written by different gauntlet versions. Older summaries lack optional fields (`clients`,
 * `chaos.drills`, ...), newer ones gain fields (chaos windows, attribution, ...). This schema names
 * only what is charted, gives the rest defaults, and zod drops unknown keys instead of refusing
 * them, so a night written by a newer or older gauntlet still reads.
 */
const percentiles = z.object({ p50: z.number(), p99: z.number() });
const latency = z.object({ overall: percentiles, byOp: z.record(z.string(), percentiles) });

export const nightSummarySchema = z.object({
  schemaVersion: z.number(),
  runId: z.string(),
  verdict: z.enum(['pass', 'fail', 'invalid']),
  verdictReason: z.string().default(''),
  startedAt: z.string(),
  aborted: z.boolean().default(false),
  scenario: z.object({
    name: z.string(),
    stages: z.array(z.object({ name: z.string(), durationMs: z.number(), sessions: z.number().nullable().default(null), loginRate: z.number().nullable().default(null) })).default([]),
  }),
  target: z.object({
    kind: z.string(),
    masterName: z.string().default(''),
    sentinels: z.array(z.string()).default([]),
    tls: z.boolean().default(false),
    settings: z.record(z.string(), z.union([z.string(), z.number()])).nullable().default(null),
  }),
  ops: z.object({ intended: z.number(), total: z.number(), errors: z.number(), intendedPerSecond: z.number(), achievedPerSecond: z.number() }),
  latencyMs: latency.extend({ outsideChaos: latency.nullable().default(null) }),
  generator: z.object({
    schedulerLagMs: z.object({ p99: z.number() }),
    schedulerLagOutsideChaosMs: z.object({ p99: z.number() }).nullable().default(null),
    cpuPercent: z.object({ mean: z.number(), max: z.number() }),
    saturated: z.boolean(),
  }),
  chaos: z.object({ experiment: z.string().nullable(), steps: z.array(z.object({ name: z.string(), atMs: z.number() })).default([]) }).default({ experiment: null, steps: [] }),
  failover: z
    .object({ count: z.number(), clientObservedMs: z.number().nullable(), sentinelEvents: z.array(z.object({ t: z.string(), event: z.string() })).default([]) })
    .nullable()
    .default(null),
  writeMode: z.enum(['async', 'durable']).default('async'),
  ledger: z.object({ lost: z.number(), resurrected: z.number(), indeterminate: z.number() }).nullable().default(null),
  thresholds: z.array(z.object({ name: z.string(), limit: z.string(), actual: z.string(), pass: z.boolean() })).default([]),
});

export type NightSummary = z.infer<typeof nightSummarySchema>;

/** One night of the history: its summary and where it was found. */
export interface Night {
  summary: NightSummary;
  /** The summary.json file. */
  file: string;
  /** The night's index.html beside it, when there is one. */
  reportFile: string | null;
}
