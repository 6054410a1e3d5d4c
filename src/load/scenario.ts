import { z } from 'zod';
import { durationSchema, firstIssue } from '../inputValidation.js';
import { UserError } from '../errors.js';

/**
 * The scenario API used by scenarios/*.ts. zod validates user files so that a mistake is
 * reported with the file, the field path and what was expected, and gives the types for free.
 */
const duration = durationSchema;

export const operationNames = ['login', 'request', 'refresh', 'oauthBegin', 'oauthComplete', 'logout', 'revokeAll'] as const;
export type OperationName = (typeof operationNames)[number];
/** An operation's index in `operationNames`: the generator's per-operation path uses it, never the name. */
export type OperationCode = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const op = { login: 0, request: 1, refresh: 2, oauthBegin: 3, oauthComplete: 4, logout: 5, revokeAll: 6 } as const satisfies Record<OperationName, OperationCode>;

const stage = z
  .object({
    name: z.string().min(1),
    duration,
    /** Target concurrent sessions at the end of the stage (linear from the previous stage's value). */
    sessions: z.number().int().nonnegative().optional(),
    /** Or: logins per second during the stage (open arrivals; sessions then live their lifetime). */
    loginRate: z.number().positive().optional(),
  })
  .strict()
  .refine((s) => (s.sessions === undefined) !== (s.loginRate === undefined), {
    message: 'a stage sets exactly one of "sessions" (concurrent sessions) or "loginRate" (logins per second)',
  });

const thinkTime = z.discriminatedUnion('distribution', [
  z.object({ distribution: z.literal('exponential'), meanMs: z.number().positive() }).strict(),
  z.object({ distribution: z.literal('uniform'), minMs: z.number().nonnegative(), maxMs: z.number().positive() }).strict(),
  z.object({ distribution: z.literal('constant'), ms: z.number().positive() }).strict(),
]);

const mix = z
  .object({
    request: z.number().nonnegative(),
    refresh: z.number().nonnegative(),
    oauth: z.number().nonnegative(),
    revokeAll: z.number().nonnegative(),
  })
  .strict()
  .refine((m) => m.request + m.refresh + m.oauth + m.revokeAll > 0, { message: 'at least one weight must be above 0' });

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string(),
    stages: z.array(stage).min(1),
    session: z
      .object({
        thinkTime,
        /** Relative weights of what an authenticated session does next. */
        mix,
        /** How long a session lives before it logs out (exponential around this mean). */
        meanLifetime: duration,
        /** Share of refreshes that replay an already rotated token (a stolen token): the family is revoked. */
        tokenReuseRate: z.number().min(0).max(1).default(0.002),
        /** Distinct users relative to sessions; below 1 some users hold several sessions. */
        usersPerSession: z.number().positive().max(1).default(0.8),
        ttl: z
          .object({ session: duration, refreshToken: duration, oauthState: duration })
          .strict(),
      })
      .strict(),
    clients: z
      .object({
        /** App instances: one ioredis client each, sessions spread across them. */
        instances: z.number().int().positive().max(64),
        autoPipelining: z.boolean().default(false),
        commandTimeoutMs: z.number().int().positive().default(1000),
        maxRetriesPerRequest: z.number().int().nonnegative().max(10).default(2),
        /** Connect a client again when ioredis ends it on its own (docs/client-settings.md: the ioredis 6.0.0 failover race). */
        reconnectOnEnd: z.boolean().default(true),
      })
      .strict(),
    thresholds: z
      .object({
        p99Ms: z.number().positive(),
        perOperationP99Ms: z.number().positive().optional(),
        maxErrorRate: z.number().min(0).max(1),
        /** Achieved/intended operations; below it the target did not take the offered load. */
        minThroughputRatio: z.number().min(0).max(1).default(0.95),
        /** Share of the ledger's facts that errors left unverifiable; above it the ledger is inconclusive and the run cannot pass. */
        maxUnverifiableShare: z.number().min(0).max(1).default(0.01),
        /** Below this many samples an operation's own p99 is not judged (the p99 of fewer is its maximum); the overall p99 still counts them. */
        minSamplesPerOperation: z.number().int().min(1).default(100),
      })
      .strict(),
    generator: z
      .object({
        /** Scheduler lag p99 (per dispatch) above this outside chaos windows makes the run invalid; default 10 % of the p99 budget. */
        maxSchedulerLagP99Ms: z.number().positive().optional(),
        /** A second in which a lag, event-loop delay or GC pause reaches this is a stalled second of the generator; default 25 % of the p99 budget. */
        stallThresholdMs: z.number().positive().optional(),
        maxInFlight: z.number().int().positive().default(20_000),
        /**
         * Waits under 1.5 ms: 'spin' times dispatch and replies within microseconds and keeps a
         * core busy; 'block' sleeps up to 0.25 ms, far less CPU, replies read up to 0.25 ms late.
         */
        shortWait: z.enum(['spin', 'block']).default('block'),
      })
      .strict()
      .default({ maxInFlight: 20_000, shortWait: 'block' }),
  })
  .strict();

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Scenario = z.output<typeof scenarioSchema>;
export type Stage = Scenario['stages'][number];
export type ThinkTime = Scenario['session']['thinkTime'];

/** What scenarios/*.ts export: `export default defineScenario({...})`. Typed input, validated at load. */
export function defineScenario(input: ScenarioInput): ScenarioInput {
  return input;
}

/** A mistake in a scenario file: a user error (one line, exit code 3). */
export class ScenarioError extends UserError {}

/** Validates and normalises; the message names the source, the field path and what was expected. */
export function parseScenario(input: unknown, source: string): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ScenarioError(`${source}: ${firstIssue(result.error)}`);
}

export interface ScenarioOverrides {
  sessions?: number;
  loginRate?: number;
  durationMs?: number;
}

/**
 * --sessions scales every stage's session target (keeping the shape), --rate sets the login rate of
 * loginRate stages, --duration sets the length of the longest stage (the steady phase).
 */
export function applyOverrides(s: Scenario, o: ScenarioOverrides): Scenario {
  const peak = Math.max(0, ...s.stages.map((x) => x.sessions ?? 0));
  const stages = s.stages.map((st) => ({ ...st }));
  if (o.sessions !== undefined && peak > 0) {
    for (const st of stages) if (st.sessions !== undefined) st.sessions = Math.round((st.sessions / peak) * o.sessions);
  }
  if (o.loginRate !== undefined) for (const st of stages) if (st.loginRate !== undefined) st.loginRate = o.loginRate;
  if (o.durationMs !== undefined) {
    const longest = stages.reduce((a, b) => (b.duration > a.duration ? b : a));
    longest.duration = o.durationMs;
  }
  return { ...s, stages };
}

/** The generator's validity limits, from the scenario or derived from its p99 budget. */
export function generatorLimits(s: Scenario): { maxSchedulerLagP99Ms: number; stallThresholdMs: number } {
  return { maxSchedulerLagP99Ms: s.generator.maxSchedulerLagP99Ms ?? s.thresholds.p99Ms * 0.1, stallThresholdMs: s.generator.stallThresholdMs ?? s.thresholds.p99Ms * 0.25 };
}

export function totalDurationMs(s: Scenario): number {
  return s.stages.reduce((sum, st) => sum + st.duration, 0);
}
