import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { OperationName } from './scenario.js';

/** Microsecond resolution, 3 significant digits, up to 10 minutes (a stalled op during chaos). */
export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32 });
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

/** Percentiles in milliseconds (3 decimals: the histogram holds microseconds). */
export function percentilesMs(h: Histogram): Percentiles {
  const at = (p: number): number => (h.totalCount ? Math.round(h.getValueAtPercentile(p)) / 1000 : 0);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.totalCount ? h.maxValue / 1000 : 0, count: h.totalCount };
}

interface OperationHistograms {
  /** Completion minus intended start: what a user waits, including queueing behind a stall. */
  latency: Histogram;
  /** Completion minus actual send: what a closed-loop tool would report. */
  service: Histogram;
  ok: number;
  errors: number;
}

export interface IntervalStats {
  /** Seconds since run start (end of the interval). */
  t: number;
  ops: number;
  errors: number;
  latencyMs: Percentiles;
}

/**
 * HDR histograms per operation and overall (latency and service time), plus one overall latency
 * histogram per second for the time series.
 */
export class LatencyRecorder {
  readonly byOp = new Map<OperationName, OperationHistograms>();
  readonly overallLatency = newHistogram();
  readonly overallService = newHistogram();
  private interval = newHistogram();
  private intervalOps = 0;
  private intervalErrors = 0;
  readonly intervals: IntervalStats[] = [];
  readonly errorKinds = new Map<string, number>();
  /**
   * The same figures for operations intended outside chaos windows: the steady-state gates of a
   * chaos run (a killed master is expected to hurt the operations during its failover).
   */
  readonly outsideChaos = { overall: newHistogram(), byOp: new Map<OperationName, Histogram>(), ops: 0, errors: 0 };
  private chaosWindows: Array<[number, number]> = [];

  addChaosWindow(startMs: number, endMs: number): void {
    this.chaosWindows.push([startMs, endMs]);
  }

  get hasChaosWindows(): boolean {
    return this.chaosWindows.length > 0;
  }

  private op(name: OperationName): OperationHistograms {
    let h = this.byOp.get(name);
    if (!h) {
      h = { latency: newHistogram(), service: newHistogram(), ok: 0, errors: 0 };
      this.byOp.set(name, h);
    }
    return h;
  }

  /** Times in ms (performance.now scale). Errors are recorded too: a user waited for them. */
  record(name: OperationName, intendedMs: number, sentMs: number, doneMs: number, error: string | null): void {
    const latencyUs = Math.max(1, Math.round((doneMs - intendedMs) * 1000));
    const serviceUs = Math.max(1, Math.round((doneMs - sentMs) * 1000));
    const h = this.op(name);
    h.latency.recordValue(latencyUs);
    h.service.recordValue(serviceUs);
    this.overallLatency.recordValue(latencyUs);
    this.overallService.recordValue(serviceUs);
    this.interval.recordValue(latencyUs);
    this.intervalOps++;
    if (this.chaosWindows.length > 0 && !this.chaosWindows.some(([a, b]) => intendedMs >= a && intendedMs <= b)) {
      const o = this.outsideChaos;
      o.overall.recordValue(latencyUs);
      let byOp = o.byOp.get(name);
      if (!byOp) o.byOp.set(name, (byOp = newHistogram()));
      byOp.recordValue(latencyUs);
      o.ops++;
      if (error) o.errors++;
    }
    if (error) {
      h.errors++;
      this.intervalErrors++;
      this.errorKinds.set(error, (this.errorKinds.get(error) ?? 0) + 1);
    } else h.ok++;
  }

  /** Closes the current one-second interval. */
  closeInterval(tSeconds: number): IntervalStats {
    const stats = { t: tSeconds, ops: this.intervalOps, errors: this.intervalErrors, latencyMs: percentilesMs(this.interval) };
    this.intervals.push(stats);
    this.interval.reset();
    this.intervalOps = 0;
    this.intervalErrors = 0;
    return stats;
  }

  get totalOps(): number {
    let n = 0;
    for (const h of this.byOp.values()) n += h.ok + h.errors;
    return n;
  }

  get totalErrors(): number {
    let n = 0;
    for (const h of this.byOp.values()) n += h.errors;
    return n;
  }

  /** HdrHistogram's percentile distribution (.hgrm) in milliseconds. */
  hgrm(name: OperationName | 'overall'): string {
    const h = name === 'overall' ? this.overallLatency : this.byOp.get(name)?.latency;
    return h ? h.outputPercentileDistribution(5, 1000) : '';
  }
}

const spectrumPoints = [0, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.975, 99.99, 99.995, 99.999, 100];

/** Percentile spectrum [percentile, ms] for a log "nines" plot; only points the sample count can support. */
export function spectrumMs(h: Histogram): Array<[number, number]> {
  if (!h.totalCount) return [];
  return spectrumPoints
    .filter((p) => p === 100 || 1 / (1 - p / 100) <= h.totalCount)
    .map((p) => [p, (p === 100 ? h.maxValue : h.getValueAtPercentile(p)) / 1000]);
}
