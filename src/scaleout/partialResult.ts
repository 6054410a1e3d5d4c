import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { firstIssue } from '../inputValidation.js';
import { operationNames, scenarioSchema } from '../load/scenario.js';

/**
 * A partial result: what one share of a run measured, in a form that adds up exactly. The one
 * format of the scale-out: a worker thread sends it to its parent over the worker channel, a
 * shard writes it as a file (`partial.json` in its --out directory), and one merge path
 * (combinePartials, then mergedRun) turns any complete set of them into the run's result.
 *
 * Nothing in it is a percentile that would have to be averaged: latencies are HdrHistograms in
 * HdrHistogram's compressed base64 encoding (lossless, added bucket by bucket), counts are counts,
 * the tail attribution is sums per bucket, the ledger is its facts. Generator health stays per
 * worker or shard (a worker that fell behind is named), and every part says which share of the
 * schedule it ran, with which settings, so a merge can refuse parts of different runs.
 */
export const partialFormat = 'gauntlet-partial-result';
export const partialFormatVersion = 1;
/** The file a shard writes into its --out directory. */
export const partialFileName = 'partial.json';

const histogram = z.string().min(1).describe("an HdrHistogram in microseconds, HdrHistogram's compressed base64 encoding");
const pair = z.object({ latency: histogram, service: histogram }).strict();
const count = z.number().int().nonnegative();
const partition = z.object({ index: count, count: z.number().int().positive() }).strict();
const lagFigures = z.object({ p99: z.number(), max: z.number() }).strict();

const generatorHealth = z
  .object({
    schedulerLagMs: lagFigures,
    schedulerLagOutsideChaosMs: lagFigures,
    maxSchedulerLagP99Ms: z.number(),
    eventLoopDelayMs: lagFigures,
    gc: z.object({ count, scavenges: count, markCompacts: count, maxMs: z.number(), totalMs: z.number(), over2Ms: count }).strict(),
    stalledSeconds: count,
    stallThresholdMs: z.number(),
    cpuPercent: z.object({ mean: z.number(), max: z.number() }).strict(),
    cpuWaitMs: z.object({ meanPerSecond: z.number(), maxPerSecond: z.number() }).strict().nullable().optional(),
    rssMb: z.object({ start: z.number(), peak: z.number() }).strict(),
    saturated: z.boolean(),
    reason: z.string().nullable(),
  })
  .strict();

const generatorSecond = z
  .object({
    t: z.number(),
    schedulerLagP99Ms: z.number(),
    schedulerLagMaxMs: z.number(),
    eventLoopDelayP99Ms: z.number(),
    eventLoopDelayMaxMs: z.number(),
    gcPauses: count,
    gcMaxMs: z.number(),
    cpuPercent: z.number(),
    cpuWaitMs: z.number().nullable().optional(),
    rssMb: z.number(),
    inChaosWindow: z.boolean(),
    stalled: z.boolean(),
  })
  .strict();

const ledgerRecord = z
  .object({
    uid: z.string(), sid: z.string(), family: z.string(), token: z.string(), version: z.number(), familyGen: z.number(),
    sessionDeleted: z.boolean(), familyRevoked: z.boolean(), endUncertainAt: z.number(), loginErrorAt: z.number().default(0), mayNotExist: z.boolean(), provenAt: z.number(),
    sessionExpiresAt: z.number(), familyExpiresAt: z.number(), observedMissingAt: z.number(), logoutFoundGone: z.object({ at: z.number(), ackedAt: z.number() }).strict().nullable().default(null), lastAckAt: z.number(),
    observedOlderAt: z.number().default(0), observedOlder: z.object({ acknowledged: z.number(), ackedAt: z.number(), found: z.number() }).strict().nullable().default(null),
    pendingNonce: z.string().nullable(), nonceExpiresAt: z.number(),
    foundVersion: z.number().nullable().optional(), verifiedLost: z.boolean().optional(),
  })
  .strict();

const ledgerShard = z
  .object({
    ttl: z.object({ sessionMs: z.number(), refreshTokenMs: z.number(), oauthStateMs: z.number() }).strict(),
    records: z.array(ledgerRecord),
    users: z.array(z.tuple([z.string(), z.object({ setExpiresAt: z.number(), revokeErrorAt: z.number() }).strict()])),
    consumedNonces: z.array(z.object({ uid: z.string(), sid: z.string(), nonce: z.string(), expiresAt: z.number() }).strict()),
    lostNonces: z.array(z.object({ uid: z.string(), sid: z.string(), nonce: z.string(), foundAt: z.number() }).strict()).default([]),
    staleReads: count,
    staleExamples: z.array(z.object({ key: z.string(), acknowledged: z.string(), found: z.string() }).strict()),
    endedUnseen: z.array(z.tuple([z.string(), z.number()])),
  })
  .strict()
  .describe("the acknowledged-write ledger of this part's sessions (verified against the target by whoever merges)");

/** One operation type's totals. */
const operationTotals = z
  .object({
    ok: count,
    errors: count,
    all: pair.describe('every operation of the type'),
    outside: pair.nullable().describe('those that touched no chaos window (settled seconds)'),
    outsideHealthy: histogram.optional().describe("the latency of those in seconds the generator did not stall (absent from a part written before it was kept)"),
  })
  .strict();

export const partialResultSchema = z
  .object({
    format: z.literal(partialFormat),
    version: z.literal(partialFormatVersion),
    gauntletVersion: z.string(),
    run: z
      .object({
        seed: z.number().int(),
        scenario: scenarioSchema,
        scenarioSource: z.string(),
        writeMode: z.enum(['async', 'durable']),
        verify: z.boolean(),
        /** The shared start of the schedule (shards); null for workers of one process (their parent starts them). */
        startAt: z.string().nullable(),
        target: z
          .object({ kind: z.enum(['embedded', 'detached', 'external']), masterName: z.string(), sentinels: z.array(z.string()), endpoint: z.string().nullable(), cluster: z.object({ seeds: z.array(z.string()) }).strict().nullable().optional(), topologyId: z.string().nullable(), tls: z.boolean(), settings: z.record(z.string(), z.union([z.string(), z.number()])).nullable() })
          .strict(),
        redisVersion: z.string().nullable(),
        dataPath: z.enum(['direct', 'proxied', 'external']).describe("how the app clients reached the target's nodes"),
        /** How many workers each shard runs; the same in every shard of a run. */
        workers: z.number().int().positive(),
      })
      .strict()
      .describe('what every part of one run must agree on'),
    /** The share of the schedule this part ran: shard `shard` of the run, and `worker` of that shard (null: all its workers). */
    part: z.object({ shard: partition, worker: partition.nullable() }).strict(),
    load: z
      .object({
        startedAt: z.string(),
        durationMs: z.number(),
        aborted: z.boolean(),
        /** Why it stopped early (a worker that crashed, Ctrl-C); null when it ran to its end or was not asked why. */
        abortReason: z.string().nullable(),
        intendedOps: count,
        outcomes: z.record(z.string(), count),
        peakConcurrentSessions: count,
        clientInstances: count,
        byOp: z.partialRecord(z.enum(operationNames), operationTotals),
        overall: pair,
        outsideOverall: pair,
        outsideHealthy: pair.describe('outside chaos windows, in seconds the generator did not stall'),
        excluded: z.object({ ops: count, errors: count }).strict(),
        errorKinds: z.record(z.string(), count),
        tail: z.object({ index: z.array(count), columns: z.record(z.string(), z.array(z.number())) }).strict().describe('latency attribution: per 0.1 % latency bucket, the count and the summed parts'),
        seconds: z.array(z.object({ t: z.number(), ops: count, errors: count, sessions: count, latency: histogram, service: histogram }).strict()).describe('one entry per second of the run clock'),
        intendedBySecond: z.array(count).optional().describe('per second of intended time (index = second): actions the schedule called for; a chaos run\'s throughput gate counts those of seconds clear of its windows'),
        okBySecond: z.array(count).optional().describe('per second of intended time: those of them that succeeded'),
        windows: z.array(z.object({ label: z.string(), startMs: z.number(), endMs: z.number().nullable(), ops: count.optional().describe('operations this part counted in the window'), errors: count.optional() }).strict()),
        generators: z
          .array(z.object({ label: z.string(), process: z.string().describe('host:pid: workers of one process share its CPU and memory figures'), health: generatorHealth, seconds: z.array(generatorSecond) }).strict())
          .min(1)
          .describe('one per worker or shard that generated load'),
        memory: z
          .object({
            startBytes: z.number().nullable(),
            peakBytes: z.number().nullable(),
            samples: z.array(z.object({ t: z.number(), usedBytes: z.number() }).strict()),
            notMeasured: z.string().nullable().optional(),
            byShard: z.array(z.object({ name: z.string(), startBytes: z.number().nullable(), peakBytes: z.number().nullable(), missedSamples: z.number().int(), missedWhy: z.string().nullable() }).strict()).nullable().optional().describe('a cluster: each shard\'s master'),
          })
          .strict(),
        clientEnds: z.object({ count, first: z.array(z.object({ client: count, lastError: z.string().nullable(), reconnecting: z.boolean(), atMs: z.number() }).strict()) }).strict(),
        clusterShards: z
          .object({
            byShard: z.array(z.object({ name: z.string(), ops: count, errors: count, latency: histogram.describe('completion minus intended start of every operation on the shard, chaos windows included') }).strict()),
            unattributedOps: count,
          })
          .strict()
          .nullable()
          .optional()
          .describe("a Cluster target: the operations this part sent to each Cluster shard (a group of slots, named as the run's shard map names it when the part began), its errors and latency histogram; null when the part did not count them (other targets, a worker whose parent counts them from its operation stream)"),
      })
      .strict(),
    ledger: ledgerShard.nullable(),
  })
  .strict()
  .describe('gauntlet partial result: one worker\'s or shard\'s share of a run, mergeable');

export type PartialResult = z.infer<typeof partialResultSchema>;
export type PartialLoad = PartialResult['load'];
export type PartialRun = PartialResult['run'];
export type GeneratorPart = PartialLoad['generators'][number];

/** Reads a shard's partial result from its directory; anything wrong is one line (exit 3). */
export async function readPartial(dir: string): Promise<PartialResult> {
  const file = join(dir, partialFileName);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (did that shard finish? `gauntlet run --shard I/N --out DIR` writes it)' : `not JSON (${(e as Error).message})`}`);
  }
  const head = raw as { format?: unknown; version?: unknown };
  if (head?.format !== partialFormat) throw new UserError(`${file}: not a gauntlet partial result`);
  if (head.version !== partialFormatVersion) throw new UserError(`${file}: partial result format ${String(head.version)}; this gauntlet reads format ${partialFormatVersion}`);
  const parsed = partialResultSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`${file}: not a valid partial result: ${firstIssue(parsed.error)}`);
  return parsed.data;
}
