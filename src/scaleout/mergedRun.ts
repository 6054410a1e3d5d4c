import { Ledger } from '../ledger/ledger.js';
import { ChaosWindows } from '../load/chaosWindows.js';
import type { GeneratorHealth, GeneratorSecond } from '../load/generatorMonitor.js';
import type { LoadResult } from '../load/loadResult.js';
import { shardFigures } from '../load/shardLoad.js';
import { groupBySecond } from './groupBySecond.js';
import { decodeHistogram } from './histogramCodec.js';
import { MergedLatency } from './mergedLatency.js';
import type { Summary } from '../report/summarySchema.js';
import type { GeneratorPart, PartialResult } from './partialResult.js';

/** A whole run's partial result as the run pipeline reads a load: figures, ledger, and who generated it. */
export interface MergedRun {
  load: LoadResult;
  ledger: Ledger | null;
  generators: GeneratorPart[];
  /** A Cluster target's per-shard figures, from the parts' added counts and histograms; null when the parts did not count them. */
  shards: NonNullable<Summary['shards']> | null;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/**
 * A figure every worker of one process reads for the whole process (CPU, RSS: worker threads
 * share them): the largest reading per process, summed over processes (shards).
 */
function perProcess(parts: ReadonlyArray<{ process: string; value: number }>): number {
  const byProcess = new Map<string, number>();
  for (const p of parts) byProcess.set(p.process, Math.max(byProcess.get(p.process) ?? 0, p.value));
  return round([...byProcess.values()].reduce((a, b) => a + b, 0));
}

/** The largest of the generators' readings; null when none measured it. */
function worstOf(values: ReadonlyArray<number | null | undefined>): number | null {
  const known = values.filter((v): v is number => v != null);
  return known.length ? Math.max(...known) : null;
}

/** Second by second: the worst lag, delay and pause of any generator, stalled when any stalled. */
export function mergeGeneratorSeconds(generators: readonly GeneratorPart[]): GeneratorSecond[] {
  const seconds = generators.flatMap((g) => g.seconds.map((s) => ({ process: g.process, s })));
  return groupBySecond(seconds, (x) => x.s.t).map(([t, xs]) => ({
    t,
    schedulerLagP99Ms: Math.max(...xs.map((x) => x.s.schedulerLagP99Ms)),
    schedulerLagMaxMs: Math.max(...xs.map((x) => x.s.schedulerLagMaxMs)),
    eventLoopDelayP99Ms: Math.max(...xs.map((x) => x.s.eventLoopDelayP99Ms)),
    eventLoopDelayMaxMs: Math.max(...xs.map((x) => x.s.eventLoopDelayMaxMs)),
    gcPauses: xs.reduce((a, x) => a + x.s.gcPauses, 0),
    gcMaxMs: Math.max(...xs.map((x) => x.s.gcMaxMs)),
    cpuPercent: perProcess(xs.map((x) => ({ process: x.process, value: x.s.cpuPercent }))),
    cpuWaitMs: worstOf(xs.map((x) => x.s.cpuWaitMs)),
    rssMb: perProcess(xs.map((x) => ({ process: x.process, value: x.s.rssMb }))),
    inChaosWindow: xs.some((x) => x.s.inChaosWindow),
    stalled: xs.some((x) => x.s.stalled),
  }));
}

/**
 * The generators' health as one: each worker or shard judged its own schedule, so the run's
 * generator kept up only if every one did, and when one did not the reason names it. Lag and
 * pauses are the worst generator's (its p99 is its own histogram's, never an average of them).
 */
export function mergeGeneratorHealth(generators: readonly GeneratorPart[], seconds: readonly GeneratorSecond[]): GeneratorHealth {
  const hs = generators.map((g) => g.health);
  const worst = (pick: (h: GeneratorHealth) => { p99: number; max: number }) => ({ p99: Math.max(...hs.map((h) => pick(h).p99)), max: Math.max(...hs.map((h) => pick(h).max)) });
  const behind = generators.filter((g) => g.health.saturated);
  const cpu = seconds.map((s) => s.cpuPercent);
  const sum = (pick: (h: GeneratorHealth) => number) => hs.reduce((a, h) => a + pick(h), 0);
  return {
    schedulerLagMs: worst((h) => h.schedulerLagMs),
    schedulerLagOutsideChaosMs: worst((h) => h.schedulerLagOutsideChaosMs),
    maxSchedulerLagP99Ms: hs[0]!.maxSchedulerLagP99Ms,
    eventLoopDelayMs: worst((h) => h.eventLoopDelayMs),
    gc: { count: sum((h) => h.gc.count), scavenges: sum((h) => h.gc.scavenges), markCompacts: sum((h) => h.gc.markCompacts), maxMs: Math.max(...hs.map((h) => h.gc.maxMs)), totalMs: round(sum((h) => h.gc.totalMs)), over2Ms: sum((h) => h.gc.over2Ms) },
    stalledSeconds: seconds.filter((s) => s.stalled && !s.inChaosWindow).length,
    stallThresholdMs: hs[0]!.stallThresholdMs,
    cpuPercent: { mean: round(cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length)), max: Math.max(0, ...cpu) },
    cpuWaitMs: hs.some((h) => h.cpuWaitMs) ? { meanPerSecond: worstOf(hs.map((h) => h.cpuWaitMs?.meanPerSecond))!, maxPerSecond: worstOf(hs.map((h) => h.cpuWaitMs?.maxPerSecond))! } : null,
    rssMb: { start: perProcess(generators.map((g) => ({ process: g.process, value: g.health.rssMb.start }))), peak: perProcess(generators.map((g) => ({ process: g.process, value: g.health.rssMb.peak }))) },
    saturated: behind.length > 0,
    reason: behind.length ? behind.map((g) => `${g.label}: ${g.health.reason ?? 'fell behind'}`).join('; ') : null,
  };
}

/**
 * The load of a whole run (a complete partial result, from combinePartials) as the run pipeline
 * reads one, and its ledger. `windows`: the run's chaos windows when its parent kept them (workers
 * of one process); a sharded run has the ones its parts carry (none: shards run no chaos).
 */
export function mergedRun(whole: PartialResult, windows?: ChaosWindows): MergedRun {
  const l = whole.load;
  const w = windows ?? new ChaosWindows();
  if (!windows) for (const x of l.windows) w.windows.push({ ...x });
  const generatorSeconds = mergeGeneratorSeconds(l.generators);
  const recorder = new MergedLatency(l, w);
  const load: LoadResult = {
    startedAt: l.startedAt,
    durationMs: l.durationMs,
    recorder,
    windows: w,
    generator: mergeGeneratorHealth(l.generators, generatorSeconds),
    generatorSeconds,
    sessionsPerSecond: [...l.seconds].sort((a, b) => a.t - b.t).map((s) => s.sessions),
    peakConcurrentSessions: l.peakConcurrentSessions,
    intendedOps: l.intendedOps,
    outcomes: { ...l.outcomes },
    memory: { startBytes: l.memory.startBytes, peakBytes: l.memory.peakBytes, samples: l.memory.samples, notMeasured: l.memory.notMeasured ?? null, byShard: l.memory.byShard ?? null },
    aborted: l.aborted,
    clientEnds: { count: l.clientEnds.count, first: l.clientEnds.first },
  };
  let ledger: Ledger | null = null;
  if (whole.ledger) {
    ledger = new Ledger(whole.ledger.ttl);
    ledger.addShard(whole.ledger);
  }
  const c = l.clusterShards ?? null;
  const shards = c ? { byShard: c.byShard.map((x) => shardFigures({ ...x, latency: decodeHistogram(x.latency) })), unattributedOps: c.unattributedOps } : null;
  return { load, ledger, generators: l.generators, shards };
}

/** The summary's account of who generated the load: each worker's or shard's own health. */
export function scaleOutSummary(generators: readonly GeneratorPart[], workers: number, shards: number): NonNullable<Summary['scaleOut']> {
  return {
    workers,
    shards,
    generators: generators.map((g) => ({ label: g.label, saturated: g.health.saturated, reason: g.health.reason, schedulerLagOutsideChaosP99Ms: g.health.schedulerLagOutsideChaosMs.p99, stalledSeconds: g.health.stalledSeconds, gcMaxMs: g.health.gc.maxMs })),
  };
}
