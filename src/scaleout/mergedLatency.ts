import { ChaosWindows } from '../load/chaosWindows.js';
import { LatencyRecorder, percentilesMs, type IntervalStats, type Pair } from '../load/latencyRecorder.js';
import { op as operationCode, operationNames, type OperationName } from '../load/scenario.js';
import { decodeHistogram } from './histogramCodec.js';
import type { PartialLoad } from './partialResult.js';

const decodePair = (p: { latency: string; service: string }): Pair => ({ latency: decodeHistogram(p.latency), service: decodeHistogram(p.service) });

function addPair(into: Pair, p: { latency: string; service: string }): void {
  into.latency.add(decodeHistogram(p.latency));
  into.service.add(decodeHistogram(p.service));
}

function windowsOf(ws: PartialLoad['windows']): ChaosWindows {
  const w = new ChaosWindows();
  for (const x of ws) w.windows.push({ label: x.label, startMs: x.startMs, endMs: x.endMs });
  return w;
}

/**
 * The latency figures of a merged run, read exactly as a recorder's are (the summary, the gates
 * and the attribution read a LatencyRecorder): built from a partial result's histograms, which
 * workers and shards added bucket by bucket. It records nothing itself; what a recorder computes
 * while recording (per-operation totals, the excluded operations) it reports from the partial.
 */
export class MergedLatency extends LatencyRecorder {
  private readonly ops = new Map<OperationName, Pair & { ok: number; errors: number }>();
  private readonly outsideOps = new Map<OperationName, Pair>();
  private readonly excludedOps: { ops: number; errors: number };

  /** `windows`: the run's (the parent's, still closing as recovery is judged); default the partial's. */
  constructor(load: PartialLoad, windows: ChaosWindows = windowsOf(load.windows)) {
    // The steady state's throughput counts the seconds clear of the windows.
    super(windows, () => false);
    if (load.intendedBySecond && load.okBySecond) {
      this.intendedBySecond = Float64Array.from(load.intendedBySecond);
      this.okBySecond = Float64Array.from(load.okBySecond);
    }
    addPair(this.overall, load.overall);
    addPair(this.outsideOverall, load.outsideOverall);
    addPair(this.outsideHealthy, load.outsideHealthy);
    for (const name of operationNames) {
      const t = load.byOp[name];
      if (!t || t.ok + t.errors === 0) continue;
      this.ops.set(name, { ...decodePair(t.all), ok: t.ok, errors: t.errors });
      if (t.outsideHealthy) this.outsideHealthyByOp[operationCode[name]]!.add(decodeHistogram(t.outsideHealthy));
      if (t.outside) {
        const outside = decodePair(t.outside);
        if (outside.latency.totalCount > 0) this.outsideOps.set(name, outside);
      }
    }
    this.excludedOps = { ...load.excluded };
    this.windowCounts = load.windows.map((w) => ({ ops: w.ops ?? 0, errors: w.errors ?? 0 }));
    for (const [kind, n] of Object.entries(load.errorKinds)) this.errorKinds.set(kind, n);
    this.tail.addBuckets(load.tail);
    for (const s of [...load.seconds].sort((a, b) => a.t - b.t)) {
      const stats: IntervalStats = { t: s.t, ops: s.ops, errors: s.errors, latencyMs: percentilesMs(decodeHistogram(s.latency)), serviceP99Ms: percentilesMs(decodeHistogram(s.service)).p99 };
      this.intervals.push(stats);
    }
  }

  override byOp(): Map<OperationName, Pair & { ok: number; errors: number }> {
    return new Map(this.ops);
  }

  override outsideByOp(): Map<OperationName, Pair> {
    return new Map(this.outsideOps);
  }

  private readonly windowCounts: Array<{ ops: number; errors: number }>;

  override byWindow(): Array<{ ops: number; errors: number }> {
    return this.windowCounts;
  }

  override get excluded(): { ops: number; errors: number } {
    return { ...this.excludedOps };
  }

  override get totalOps(): number {
    let n = 0;
    for (const t of this.ops.values()) n += t.ok + t.errors;
    return n;
  }

  override get totalErrors(): number {
    let n = 0;
    for (const t of this.ops.values()) n += t.errors;
    return n;
  }

  override hgrm(name: OperationName | 'overall'): string {
    const h = name === 'overall' ? this.overall.latency : this.ops.get(name)?.latency;
    return h && h.totalCount ? h.outputPercentileDistribution(5, 1000) : '';
  }

  override record(): void {
    throw new Error('a merged run records nothing');
  }
}
