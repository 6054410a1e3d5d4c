import { z } from 'zod';
import { gateKinds } from '../gates/gate.js';

/**
 * summary.json, the contract other programs read (the CI gate, `compare`, `history`). The zod schema is the
 * one source: TypeScript types come from it and docs/summary.schema.json is generated from it
 * (`npm run schema`; a unit test fails when the two drift apart).
 * Compatible additions keep schemaVersion; renames or removals bump it.
 */
export const summarySchemaVersion = 1;

export const percentilesSchema = z
  .object({ p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), count: z.number().int() })
  .describe('Latency percentiles and the maximum in milliseconds (microsecond resolution; each the top of its HDR bucket, within 0.1 % of the sample), and the number of operations');

/** Mean parts of a set of operations' latency (the attribution's). */
const breachCause = z.object({ who: z.enum(['generator', 'server', 'proxy', 'network or target']), why: z.string() });
const tailShare = z.object({ samples: z.number(), latencyMs: z.number(), waitMs: z.number(), queueMs: z.number(), replyMs: z.number() });

/**
 * A Cluster target's figures per shard, by the name shards.byShard gives it, with the readings
 * its master did not answer; null or absent for other targets.
 */
function perShard<T extends z.ZodRawShape>(fields: T, missed: string, description: string) {
  return z
    .array(z.object({ name: z.string().describe('the shard as shards.byShard names it'), ...fields, missedSamples: z.number().int().describe(missed), missedWhy: z.string().nullable() }))
    .nullable()
    .optional()
    .describe(description);
}

export const summarySchema = z
  .object({
    schemaVersion: z.literal(summarySchemaVersion),
    runId: z.string(),
    verdict: z.enum(['pass', 'fail', 'invalid']),
    verdictReason: z.string(),
    startedAt: z.string().describe('ISO 8601'),
    durationMs: z.number(),
    aborted: z.boolean().describe('true when the run was stopped early (Ctrl-C)'),
    scenario: z.object({
      name: z.string(),
      description: z.string(),
      source: z.string(),
      stages: z.array(z.object({ name: z.string(), durationMs: z.number(), sessions: z.number().nullable(), loginRate: z.number().nullable() })),
      seed: z.number().int(),
    }),
    target: z.object({
      kind: z.enum(['embedded', 'detached', 'external']),
      masterName: z.string(),
      sentinels: z.array(z.string()),
      endpoint: z.string().nullable().optional().describe('a plain-endpoint target\'s host:port (null: through sentinels; absent in older summaries)'),
      cluster: z.object({ seeds: z.array(z.string()).describe('seed nodes as the app reaches them') }).nullable().optional().describe('a Redis Cluster target (null or absent otherwise)'),
      topologyId: z.string().nullable(),
      tls: z.boolean(),
      settings: z.record(z.string(), z.union([z.string(), z.number()])).nullable(),
      redisVersion: z.string().nullable(),
    }),
    sessions: z.object({ peakConcurrent: z.number().int(), plannedPeak: z.number().int() }),
    clients: z
      .object({
        instances: z.number().int(),
        reconnectOnEnd: z.boolean().describe('scenario clients.reconnectOnEnd: an ended client is connected again'),
        endedByIoredis: z.number().int().describe('times ioredis ended an app client nobody closed (the ioredis 6.0.0 failover race, docs/client-settings.md)'),
        ends: z.array(z.object({ atMs: z.number(), client: z.number().int(), lastError: z.string().nullable(), reconnecting: z.boolean() })).describe('the first 20 of them'),
      })
      .optional()
      .describe('the app clients (one per auth-service instance); absent in summaries written before gauntlet reported them, which still read'),
    ops: z.object({
      intended: z.number().int().describe('operations the schedule offered'),
      total: z.number().int().describe('operations completed, successfully or not'),
      errors: z.number().int(),
      errorKinds: z.record(z.string(), z.number().int()),
      outcomes: z.record(z.string(), z.number().int()).describe('what operations found: ok, session-gone, token-reuse-revoked, ...'),
      intendedPerSecond: z.number(),
      achievedPerSecond: z.number(),
    }),
    latencyMs: z
      .object({
        overall: percentilesSchema,
        byOp: z.record(z.string(), percentilesSchema),
        outsideChaos: z.object({ overall: percentilesSchema, byOp: z.record(z.string(), percentilesSchema) }).nullable().describe('operations intended outside chaos windows (the steady state the load gates judge); null without chaos'),
      })
      .describe('completion minus intended start (coordinated-omission correct)'),
    latencySpectrumMs: z
      .record(z.string(), z.array(z.tuple([z.number(), z.number()])))
      .describe('per operation and "overall": [percentile, latency ms] points for a percentile-spectrum plot'),
    serviceTimeMs: z.object({ overall: percentilesSchema, byOp: z.record(z.string(), percentilesSchema) }).describe('completion minus actual send'),
    shards: z
      .object({
        byShard: z.array(z.object({ name: z.string().describe('shard-k and the slot ranges its master served when the run began'), ops: z.number().int(), errors: z.number().int(), latencyMs: percentilesSchema })),
        unattributedOps: z.number().int().describe('operations no shard could be named for (an OAuth begin that failed before its nonce was kept)'),
      })
      .nullable()
      .optional()
      .describe('a Cluster target: operations, errors and latency (completion minus intended start, every operation, chaos windows included) per shard, to show skew; null for other targets, absent in older summaries'),
    timeseries: z.array(
      z.object({
        t: z.number(), ops: z.number().int(), errors: z.number().int(), sessions: z.number().int(), p50: z.number(), p99: z.number(), max: z.number(),
        serviceP99: z.number().optional().describe('send-to-reply p99 of the second'),
        generatorStalled: z.boolean().optional().describe('a scheduler lag, event-loop delay or GC pause of the generator reached the stall threshold'),
        gcMaxMs: z.number().optional(),
        cpuWaitMs: z.number().nullable().optional().describe("how long the generator's thread waited for a CPU this second: ready to run while the OS ran something else (Linux schedstat; null where not measurable)"),
        serverUsecPerCall: z.number().nullable().optional().describe("the master's own time per call of the workload's commands (INFO commandstats)"),
      }),
    ),
    attribution: z
      .object({
        scope: z.enum(['outside chaos windows', 'all operations']),
        budgetMs: z.number(),
        p99Ms: z.number(),
        serviceP99Ms: z.number(),
        atP99: tailShare.nullable().describe("mean parts of the operations at the p99: waiting behind the session's previous action (intended -> ready: the target's time carried over), generator queueing (ready -> sent) and reply (sent -> reply)"),
        overBudget: tailShare.nullable().optional().describe('mean parts (as atP99) of every operation at or over the budget: the operations that make a breach, which the breach cause is judged on'),
        generator: z.object({
          schedulerLagP99Ms: z.number(), maxSchedulerLagP99Ms: z.number(), gcCount: z.number().int(), gcMaxMs: z.number(), gcOver2Ms: z.number().int(),
          eventLoopDelayMaxMs: z.number(), stalledSeconds: z.number().int(), seconds: z.number().int(), stallThresholdMs: z.number(), p99HealthySecondsMs: z.number().nullable(),
          opsHealthySeconds: z.number().int().optional().describe('operations in the seconds the generator did not stall'),
          cpuWaitMaxPerSecondMs: z.number().nullable().optional().describe("the most the generator's thread waited for a CPU in one second outside chaos windows (null: not measurable)"),
        }),
        server: z.object({
          measured: z.boolean(), why: z.string().nullable(),
          perCommand: z.array(z.object({ command: z.string(), calls: z.number(), usecPerCall: z.number() })),
          latencyEvents: z.array(z.object({ event: z.string(), latestMs: z.number(), maxMs: z.number(), node: z.string().optional().describe('a cluster: the node that logged it') })),
          latencyThresholdMs: z.number().nullable(), forks: z.number().int(), latestForkUs: z.number(), aofDelayedFsync: z.number().int(),
          perSecond: z.array(z.object({ t: z.number(), usecPerCall: z.number() })),
          byShard: perShard(
            {
              masters: z.array(z.string()).describe('the nodes that served as its master while sampled, in order (a failover adds one)'),
              perCommand: z.array(z.object({ command: z.string(), calls: z.number(), usecPerCall: z.number() })),
              forks: z.number().int(),
              aofDelayedFsync: z.number().int(),
            },
            'readings its master did not answer (the next reading covers the gap)',
            'a Cluster target: each shard\'s masters (perCommand, forks and aofDelayedFsync above are their sums; latestForkUs the longest shard\'s); null or absent otherwise',
          ),
        }),
        dataPath: z.enum(['direct', 'proxied', 'external']).describe('direct: app clients reached the nodes without Toxiproxy; proxied: through the app proxies (an experiment acts on them)'),
        proxy: z
          .object({ before: z.object({ directP50Ms: z.number(), directP99Ms: z.number(), proxiedP50Ms: z.number(), proxiedP99Ms: z.number() }), after: z.object({ directP50Ms: z.number(), directP99Ms: z.number(), proxiedP50Ms: z.number(), proxiedP99Ms: z.number() }).nullable() })
          .nullable()
          .describe('PING on the master straight and through its app proxy, one in flight, before and after the load'),
        cause: breachCause.nullable().describe('whose time a p99 over budget is'),
        operationBreaches: z
          .array(
            z.object({
              op: z.string(), budgetMs: z.number(), p99Ms: z.number(),
              p99HealthySecondsMs: z.number().nullable().describe("the type's p99 in the seconds the generator did not stall (null: none)"),
              opsHealthySeconds: z.number().int(),
              breachesWithoutStalls: z.boolean().optional().describe('those seconds, over at least minSamplesPerOperation operations and 300, breach the budget on their own: the target\'s time whatever the generator did (weighed beside an overall breach the generator made); absent in summaries written before'),
              cause: breachCause,
            }),
          )
          .optional()
          .describe("each operation type judged on its own p99 that is at or over the per-operation budget, and whose time that is (a run whose every breach is the generator's is invalid); absent in summaries written before it was kept"),
      })
      .nullable()
      .optional()
      .describe('where the p99 went; absent in summaries written before gauntlet attributed latency'),
    generator: z.object({
      schedulerLagMs: z.object({ p99: z.number(), max: z.number() }),
      schedulerLagOutsideChaosMs: z.object({ p99: z.number(), max: z.number() }),
      eventLoopDelayMs: z.object({ p99: z.number(), max: z.number() }),
      cpuPercent: z.object({ mean: z.number(), max: z.number() }),
      rssMb: z.object({ start: z.number(), peak: z.number() }),
      saturated: z.boolean(),
      reason: z.string().nullable(),
      maxSchedulerLagP99Ms: z.number().optional(),
      gc: z.object({ count: z.number().int(), scavenges: z.number().int(), markCompacts: z.number().int(), maxMs: z.number(), totalMs: z.number(), over2Ms: z.number().int() }).optional(),
      stalledSeconds: z.number().int().optional(),
      cpuWaitMs: z
        .object({ meanPerSecond: z.number(), maxPerSecond: z.number() })
        .nullable()
        .optional()
        .describe("the generator's thread waiting for a CPU (ready to run while the OS ran something else, e.g. the target's servers on a shared machine), per second outside chaos windows (with workers or shards, the worst generator's mean and maximum); null where not measurable (Linux schedstat only)"),
    }),
    scaleOut: z
      .object({
        workers: z.number().int().describe('worker threads per process generating the load (1: the run\'s own thread)'),
        shards: z.number().int().describe('processes (on one machine or several) the schedule was split into, merged with `gauntlet merge`; 1: one process'),
        generators: z
          .array(
            z.object({
              label: z.string().describe('"worker 2 of 4", "shard 1/3", "shard 1/3, worker 2 of 2"'),
              saturated: z.boolean(),
              reason: z.string().nullable(),
              schedulerLagOutsideChaosP99Ms: z.number(),
              stalledSeconds: z.number().int(),
              gcMaxMs: z.number(),
            }),
          )
          .describe('each generator\'s own health: the run\'s generator kept up only if every one did'),
      })
      .nullable()
      .optional()
      .describe('how the load was generated when not in one thread: its workers and shards (histograms, ledgers and timelines merged exactly); null or absent for one thread'),
    memory: z.object({
      usedBytesStart: z.number().nullable(),
      usedBytesPeak: z.number().nullable(),
      bytesPerSession: z.number().nullable().describe('(peak - start) / peak concurrent sessions, on the master (a cluster: all masters); used_memory less the replication backlog (a fixed-size buffer that fills with the first writes)'),
      notMeasured: z.string().nullable().optional().describe('why the target memory was not measured (no user that may read INFO); absent in older summaries'),
      byShard: perShard(
        { usedBytesStart: z.number().nullable().describe('its master\'s first reading'), usedBytesPeak: z.number().nullable() },
        'readings (the start\'s and one a second) its master did not answer',
        'a Cluster target: each shard\'s current master, read once a second; the run\'s figures are the sum over shards per second (a shard that missed a second counts with its last reading); null or absent otherwise',
      ),
    }),
    chaos: z.object({
      experiment: z.string().nullable(),
      steps: z.array(
        z.object({
          name: z.string(),
          atMs: z.number().describe('when the step struck (ms since the load started); its scheduled time when it never struck'),
          endMs: z.number().nullable(),
          detail: z.string(),
          scheduledAtMs: z.number().optional(),
          struck: z.boolean().optional().describe('false: the fault never took effect (absent in older summaries)'),
          outcome: z.enum(['completed', 'failed', 'never-ran', 'still-running']).optional(),
        }),
      ),
      drills: z
        .array(
          z.object({
            name: z.string(),
            detail: z.string(),
            verification: z
              .object({ keysChecked: z.number().int(), lost: z.number().int(), resurrected: z.number().int(), expired: z.number().int(), indeterminate: z.number().int(), examples: z.array(z.object({ key: z.string(), kind: z.string(), acknowledged: z.string(), found: z.string() })) })
              .nullable()
              .describe('the restored node checked against the ledger of the drill\'s moment; null when it could not be checked'),
            error: z.string().nullable(),
          }),
        )
        .default([])
        .describe('recovery drills (backup-restore, point-in-time-restore): restores verified with the ledger'),
      windows: z
        .array(z.object({ label: z.string(), startMs: z.number(), endMs: z.number().nullable(), recoveredAtMs: z.number().nullable().optional(), exceeded: z.boolean().optional(), ops: z.number().int().optional().describe('operations counted in this window (one touching two windows is the first\'s)'), errors: z.number().int().optional().describe('errors among them'), afterOutage: z.object({ ops: z.number().int(), errors: z.number().int() }).nullable().optional().describe('a window whose recovery needs a failover of its own: operations and errors of its seconds from the one its outage ended in (the master switch seen, every client writing again); the window error budget judges these (the outage before is judged by the failover gates); null for other windows and for one whose outage never ended, absent in older summaries') }))
        .default([])
        .describe('chaos windows (ms since the load started): from a fault\'s strike until recovery; operations touching one are not judged by the steady-state gates'),
      excludedOps: z.number().int().default(0).describe('operations that touched a chaos window'),
      excludedErrors: z.number().int().default(0).describe('errors among them'),
    }),
    failover: z
      .object({
        count: z.number().int().describe('distinct master switches (+switch-master; at a plain endpoint, the endpoint leading to another master)'),
        clientObservedMs: z.number().nullable().describe('worst app client: last successful write before the fault to first successful write sent after it; null if one never recovered'),
        clientObservedPerClientMs: z.array(z.array(z.number().nullable())).describe('per disturbance (chaos step or failover seen outside gauntlet), per app client: its write gap in ms (null: never wrote again)'),
        clientObservedShards: z.array(z.string().nullable()).optional().describe('per disturbance: on a cluster, the shard whose keys its write gap was measured on (a fault on one shard leaves the others writing); null: all keys'),
        writeGapEndsAt: z.enum(['confirmed write', 'first success']).nullable().optional().describe('gaps end at the first write the ledger confirmed on the final master, or (without verification) the first success'),
        switches: z
          .array(z.object({ atMs: z.number(), to: z.string(), seenBy: z.enum(['event', 'poll']), cause: z.string().nullable().describe('the chaos step that caused it; null: outside gauntlet'), fromStrikeMs: z.number().nullable(), sdownToSwitchMs: z.number().nullable().describe('from the first +sdown of the old master (a cluster: the first node flagging it fail?, or fail when the watch saw no fail?) to the switch'), shard: z.string().optional().describe('a cluster: the shard whose master changed') }))
          .optional()
          .describe('master switches seen by watching and polling the sentinels, a plain endpoint from the client side, or a cluster\'s nodes (a replica claiming its master\'s slots)'),
        splitBrain: z
          .object({ sessions: z.number().int(), firstAtMs: z.number(), lastAtMs: z.number() })
          .nullable()
          .optional()
          .describe('sessions whose last acknowledged write was lost though taken during a fault whose window saw a master switch (the old master acknowledged it while being replaced), and when; losses acknowledged before the strike are asynchronous replication\'s, not counted here'),
        latencyRecoveryMs: z.array(z.number().nullable()).describe('per chaos step: fault start until the first second after it with p99 under budget'),
        sentinelEvents: z.array(z.object({ t: z.string(), sentinel: z.string().describe('who saw it: a sentinel, or "endpoint host:port"'), event: z.string(), detail: z.string() })).describe('sentinel events; at a plain endpoint, endpoint-unreachable/-reachable/-address/-role/-replid'),
      })
      .nullable()
      .describe('null when the run had no chaos experiment and saw no failover'),
    writeMode: z.enum(['async', 'durable']).describe('durable: each write waited for a replica (WAIT 1)'),
    ledger: z
      .object({
        keysChecked: z.number().int(),
        lost: z.number().int().describe('acknowledged writes missing or older on the master after healing'),
        resurrected: z.number().int().describe('acknowledged deletes or revocations present again'),
        staleReads: z.number().int().describe('sessions the app found older during the run than their last acknowledged write (a read, or a refresh that wrote over an older version), once each until explained; each is a lost fact too, unless its errored login could have run after that version was acknowledged'),
        indeterminate: z.number().int().describe('facts (keys, set memberships) whose state only an errored or timed-out command explains: not judged. Counted in sessions in summaries before keys were'),
        unverifiableShare: z.number().optional().describe('indeterminate / (keysChecked + indeterminate); above the ledger gate\'s limit the run cannot pass'),
        lostObservedLive: z.number().int().optional().describe('lost facts the app already found missing or older during the run (a gone session, a rejected token, an older version)'),
        expired: z.number().int().describe('expectations dropped because the key\'s TTL passed'),
        examples: z.array(z.object({ key: z.string(), kind: z.string(), acknowledged: z.string(), found: z.string(), shard: z.string().optional().describe('a Cluster target: the shard the key lives on') })),
      })
      .nullable()
      .describe('null when the run did not verify acknowledged writes'),
    alerts: z
      .array(z.object({ name: z.string(), labels: z.record(z.string(), z.string()), firstFiringAt: z.string(), lastFiringAt: z.string() }))
      .nullable()
      .describe('Prometheus alerts (compose/alert-rules.yml) that fired during the run; null without --monitoring'),
    slowLog: z
      .array(z.object({ node: z.string(), at: z.string(), durationMs: z.number(), command: z.string() }))
      .nullable()
      .describe('slow-log entries of every node logged during the run, slowest first (at most 50); null for external targets'),
    thresholds: z
      .array(z.object({ name: z.string(), kind: z.enum(gateKinds).optional().describe('what the gate judges; correctness failures make the run fail, validity failures invalid'), limit: z.string(), actual: z.string(), pass: z.boolean(), outweighed: z.string().optional().describe('a failed validity gate that does not make the run invalid, and why: the figures still show a breach the harness cannot have caused') }))
      .describe('every gate of the run: scenario thresholds, chaos, procedures, ledger, validity, baseline regressions'),
    environment: z.object({ gauntletVersion: z.string(), node: z.string(), platform: z.string(), cpus: z.number().int() }),
  })
  .describe('gauntlet run summary');

export type Summary = z.infer<typeof summarySchema>;

export function summaryJsonSchema(): unknown {
  return z.toJSONSchema(summarySchema, { target: 'draft-2020-12' });
}
