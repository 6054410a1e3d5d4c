import { hostname } from 'node:os';
import type { Ledger } from '../ledger/ledger.js';
import type { LoadResult } from '../load/loadResult.js';
import { op as operationCode, operationNames } from '../load/scenario.js';
import type { ShardLoad } from '../load/shardLoad.js';
import { gauntletVersion } from '../packageInfo.js';
import { encodeHistogram, type SecondHistograms } from './histogramCodec.js';
import { partialFormat, partialFormatVersion, type PartialLoad, type PartialResult, type PartialRun } from './partialResult.js';

export interface PartialSource {
  run: PartialRun;
  part: PartialResult['part'];
  /** For the report: "worker 1 of 2", "shard 3/4". */
  label: string;
  load: LoadResult;
  /** Each second's own histograms, taken while the engine ran. */
  seconds: SecondHistograms;
  /** The part's ledger; null when the run does not verify. */
  ledger: Ledger | null;
  abortReason: string | null;
  /** App clients this part ran, and the run-wide number of its k-th (clients of all parts are numbered together). */
  clientInstances: number;
  clientNumber: (local: number) => number;
  /** A Cluster target: the part's operations per Cluster shard, when it counted them (a shard process; workers' parents count theirs). */
  clusterShards?: ShardLoad | null;
}

const pair = (p: { latency: Parameters<typeof encodeHistogram>[0]; service: Parameters<typeof encodeHistogram>[0] }) => ({ latency: encodeHistogram(p.latency), service: encodeHistogram(p.service) });

/** A part's per-Cluster-shard figures in the form parts add up: counts, and each shard's latency histogram encoded. */
export function clusterShardsOf(shards: ShardLoad): NonNullable<PartialLoad['clusterShards']> {
  return { byShard: shards.counts().map((c) => ({ name: c.name, ops: c.ops, errors: c.errors, latency: encodeHistogram(c.latency) })), unattributedOps: shards.unattributed };
}

/** One worker's or shard's measurements as a partial result (what it sends its parent, or writes). */
export function partialFromLoad(src: PartialSource): PartialResult {
  const { load } = src;
  const r = load.recorder;
  const all = r.byOp();
  const outside = r.outsideByOp();
  const byOp: PartialLoad['byOp'] = {};
  for (const name of operationNames) {
    const t = all.get(name);
    if (!t) continue;
    const o = outside.get(name);
    byOp[name] = { ok: t.ok, errors: t.errors, all: pair(t), outside: o ? pair(o) : null, outsideHealthy: encodeHistogram(r.outsideHealthyByOp[operationCode[name]]!) };
  }
  const seconds = r.intervals.map((iv, k) => ({ t: iv.t, ops: iv.ops, errors: iv.errors, sessions: load.sessionsPerSecond[k] ?? 0, ...src.seconds.at(iv.t) }));
  return {
    format: partialFormat,
    version: partialFormatVersion,
    gauntletVersion,
    run: src.run,
    part: src.part,
    load: {
      startedAt: load.startedAt,
      durationMs: load.durationMs,
      aborted: load.aborted,
      abortReason: load.aborted ? src.abortReason : null,
      intendedOps: load.intendedOps,
      outcomes: { ...load.outcomes },
      peakConcurrentSessions: load.peakConcurrentSessions,
      clientInstances: src.clientInstances,
      byOp,
      overall: pair(r.overall),
      outsideOverall: pair(r.outsideOverall),
      outsideHealthy: pair(r.outsideHealthy),
      excluded: r.excluded,
      errorKinds: Object.fromEntries(r.errorKinds),
      tail: r.tail.buckets(),
      seconds,
      ...r.intendedSeconds(),
      windows: ((counts) => load.windows.windows.map((w, i) => ({ label: w.label, startMs: w.startMs, endMs: w.endMs, ...counts[i] })))(r.byWindow()),
      generators: [{ label: src.label, process: `${hostname()}:${process.pid}`, health: load.generator, seconds: load.generatorSeconds }],
      memory: { ...load.memory, notMeasured: load.memory.notMeasured ?? null },
      clientEnds: { count: load.clientEnds.count, first: load.clientEnds.first.map((e) => ({ ...e, client: src.clientNumber(e.client) })) },
      clusterShards: src.clusterShards ? clusterShardsOf(src.clusterShards) : null,
    },
    ledger: src.ledger ? src.ledger.toShard() : null,
  };
}
