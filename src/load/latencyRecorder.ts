import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { op as operationCode, operationNames, type OperationCode, type OperationName } from './scenario.js';
import type { ChaosWindows } from './chaosWindows.js';
import { TailAttribution } from './tailAttribution.js';
import { addRecorded } from './histogramAdd.js';

/**
 * Microsecond resolution, 3 significant digits, up to 10 minutes (a stalled op during chaos).
 * Packed histograms hold the same values in the memory their buckets in use need, for a price on
 * every record: for many histograms that each hold few values.
 */
export function newHistogram(bitBucketSize: 32 | 'packed' = 32): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize });
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  count: number;
}

/**
 * Percentiles in milliseconds (3 decimals: the histogram holds microseconds). Each is the top of
 * its HDR bucket, the maximum too (HdrHistogram's own convention): an exact maximum could lie
 * below the top of its bucket and so below a percentile in that bucket, and histograms added from
 * parts know only buckets, so their maximum is the bucket's top anyway.
 */
export function percentilesMs(h: Histogram): Percentiles {
  const at = (p: number): number => (h.totalCount ? Math.round(h.getValueAtPercentile(p)) / 1000 : 0);
  return { p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: at(100), count: h.totalCount };
}

export interface IntervalStats {
  /** Seconds since run start (end of the interval). */
  t: number;
  ops: number;
  errors: number;
  latencyMs: Percentiles;
  /** p99 of send-to-reply in this second. */
  serviceP99Ms: number;
}


/** One operation type's histograms: latency (from intended start) and service time (from send). */
export interface Pair {
  latency: Histogram;
  service: Histogram;
}
export const newPair = (): Pair => ({ latency: newHistogram(), service: newHistogram() });



/** One second of operations that touched no window when recorded, held back in case a window opens late. */
interface PendingSecond {
  t: number;
  pairs: Pair[];
  ops: Float64Array<ArrayBuffer>;
  errors: Float64Array<ArrayBuffer>;
}

/**
 * How long a second of operations stays open to a window that opens late: a failover nobody
 * announced (seen when the sentinels switch, seconds after the clients started failing) claims
 * the seconds since the clients' last success, up to this far back.
 */
export const lateWindowReachSeconds = 15;

/**
 * HDR histograms per operation and overall, latency and service time, outside and inside chaos
 * windows, plus one overall latency histogram per second for the time series.
 *
 * HdrHistogram's Recorder pattern: each operation records its latency and service time once,
 * into the interval histograms of its type (outside or inside chaos windows, decided by the
 * shared ChaosWindows), indexed by operation code. Once a second `closeInterval` adds the
 * interval into the run's totals; the outside part waits `lateWindowReachSeconds` before it is
 * added into the steady-state totals, so a window opened late still claims it.
 */
export class LatencyRecorder {
  private readonly n = operationNames.length;
  /** Current second, per operation: operations outside windows, and inside. */
  private outsideInterval: Pair[] = Array.from({ length: this.n }, newPair);
  private readonly insideInterval: Pair[] = Array.from({ length: this.n }, newPair);
  private outsideOpsInterval = new Float64Array(this.n);
  private outsideErrorsInterval = new Float64Array(this.n);
  /** The whole run, per operation and overall. */
  private readonly totals: Pair[] = Array.from({ length: this.n }, newPair);
  readonly overall: Pair = newPair();
  /** What the steady-state gates of a chaos run judge: operations that touched no chaos window. */
  private readonly outsideTotals: Pair[] = Array.from({ length: this.n }, newPair);
  readonly outsideOverall: Pair = newPair();
  /** The steady state of seconds in which the generator did not stall: tells a breach it caused from one the target caused. */
  readonly outsideHealthy: Pair = newPair();
  /** The same per operation type (latency only), by operation code: tells a per-operation breach the generator caused from the target's. */
  readonly outsideHealthyByOp: Histogram[] = Array.from({ length: this.n }, newHistogram);
  private readonly pending: PendingSecond[] = [];
  private readonly spare: PendingSecond[] = [];
  private readonly secondLatency = newHistogram();
  private readonly ok = new Float64Array(this.n);
  private readonly failed = new Float64Array(this.n);
  /** By window index: windows only open, never move, so an index names one for the whole run. */
  private readonly windowOps: number[] = [];
  private readonly windowErrors: number[] = [];
  private intervalOps = 0;
  private intervalErrors = 0;
  /** Per second of intended time: actions the schedule called for, and those that succeeded (a merged run's are its parts' added). */
  protected intendedBySecond = new Float64Array(256);
  protected okBySecond = new Float64Array(256);
  readonly intervals: IntervalStats[] = [];
  readonly errorKinds = new Map<string, number>();
  /** Where the latency of operations outside chaos windows went (generator queueing, reply). */
  readonly tail = new TailAttribution();
  private readonly secondService = newHistogram();
  /** A settling second, all operation types together, added into the steady-state totals at once. */
  private readonly settling: Pair = newPair();

  constructor(
    private readonly windows: ChaosWindows,
    private readonly generatorStalled: (second: number) => boolean,
  ) {
    // Every second held back needs its own histograms (about 1.2 MB): made now, before the clock
    // starts, so the run's first seconds do not allocate them (and collect the garbage) on the
    // generator's thread.
    for (let i = 0; i <= lateWindowReachSeconds + 1; i++) {
      this.spare.push({ t: 0, pairs: Array.from({ length: this.n }, newPair), ops: new Float64Array(this.n), errors: new Float64Array(this.n) });
    }
  }

  /**
   * Times in ms (performance.now scale); `readyMs` as in OperationDone. Errors are recorded too:
   * a user waited for them.
   */
  record(op: OperationCode, intendedMs: number, readyMs: number, sentMs: number, doneMs: number, error: string | null): void {
    const latencyUs = Math.max(1, Math.round((doneMs - intendedMs) * 1000));
    const serviceUs = Math.max(1, Math.round((doneMs - sentMs) * 1000));
    const window = this.windows.any ? this.windows.firstOverlapping(intendedMs, doneMs) : -1;
    const inside = window >= 0;
    const pair = inside ? this.insideInterval[op]! : this.outsideInterval[op]!;
    pair.latency.recordValue(latencyUs);
    pair.service.recordValue(serviceUs);
    if (!inside) this.tail.record(latencyUs, (readyMs - intendedMs) * 1000, (sentMs - readyMs) * 1000, serviceUs);
    this.intervalOps++;
    if (inside) {
      this.windowOps[window] = (this.windowOps[window] ?? 0) + 1;
    } else this.outsideOpsInterval[op]!++;
    if (error === null) {
      this.ok[op]!++;
      const s = secondOf(intendedMs);
      if (s >= this.okBySecond.length) this.okBySecond = grown(this.okBySecond, s);
      this.okBySecond[s]!++;
      return;
    }
    this.failed[op]!++;
    this.intervalErrors++;
    if (inside) {
      this.windowErrors[window] = (this.windowErrors[window] ?? 0) + 1;
    } else this.outsideErrorsInterval[op]!++;
    this.errorKinds.set(error, (this.errorKinds.get(error) ?? 0) + 1);
  }

  /** Actions the schedule called for so far. */
  get intendedOps(): number {
    let n = 0;
    for (const x of this.intendedBySecond) n += x;
    return n;
  }

  /** The schedule called for an action at `intendedMs`: counted once, by its second. */
  intended(intendedMs: number): void {
    const s = secondOf(intendedMs);
    if (s >= this.intendedBySecond.length) this.intendedBySecond = grown(this.intendedBySecond, s);
    this.intendedBySecond[s]!++;
  }

  /** The counts per second of intended time, up to the last second with any (what a worker's or shard's partial result carries). */
  intendedSeconds(): { intendedBySecond: number[]; okBySecond: number[] } {
    let n = Math.max(this.intendedBySecond.length, this.okBySecond.length);
    while (n > 0 && !this.intendedBySecond[n - 1] && !this.okBySecond[n - 1]) n--;
    return { intendedBySecond: Array.from({ length: n }, (_, s) => this.intendedBySecond[s] ?? 0), okBySecond: Array.from({ length: n }, (_, s) => this.okBySecond[s] ?? 0) };
  }

  /**
   * Throughput of the steady state: actions intended in seconds clear of every chaos window, and
   * how many of them succeeded. A second just before a window is not clear (its actions were in
   * flight when the fault struck), so both counts are of the same actions.
   */
  throughputOutside(): { intended: number; ok: number } {
    let intended = 0;
    let ok = 0;
    for (let s = 0; s < this.intendedBySecond.length; s++) {
      if (this.intendedBySecond[s] === 0 || this.windows.overlaps(s * 1000, (s + 2) * 1000 - 1)) continue;
      intended += this.intendedBySecond[s]!;
      ok += this.okBySecond[s] ?? 0;
    }
    return { intended, ok };
  }

  /** One interval pair of an operation type into the closing second's histograms and the run's totals. */
  private addIntoSecondAndTotals(op: number, iv: Pair): void {
    addRecorded(this.secondLatency, iv.latency);
    addRecorded(this.secondService, iv.service);
    addRecorded(this.totals[op]!.latency, iv.latency);
    addRecorded(this.totals[op]!.service, iv.service);
  }

  /** Closes the current one-second interval: adds it into the totals, holds its outside part back. */
  closeInterval(tSeconds: number): IntervalStats {
    const second = this.secondLatency;
    for (let op = 0; op < this.n; op++) {
      this.addIntoSecondAndTotals(op, this.outsideInterval[op]!);
      this.addIntoSecondAndTotals(op, this.insideInterval[op]!);
      const ins = this.insideInterval[op]!;
      if (ins.latency.totalCount > 0) ins.latency.reset();
      if (ins.service.totalCount > 0) ins.service.reset();
    }
    this.pending.push({ t: tSeconds, pairs: this.outsideInterval, ops: this.outsideOpsInterval, errors: this.outsideErrorsInterval });
    const next = this.spare.pop();
    this.outsideInterval = next?.pairs ?? Array.from({ length: this.n }, newPair);
    this.outsideOpsInterval = next?.ops ?? new Float64Array(this.n);
    this.outsideErrorsInterval = next?.errors ?? new Float64Array(this.n);
    // The run's totals take the second as a whole: one add instead of one per operation type.
    addRecorded(this.overall.latency, second);
    addRecorded(this.overall.service, this.secondService);
    const stats = { t: tSeconds, ops: this.intervalOps, errors: this.intervalErrors, latencyMs: percentilesMs(second), serviceP99Ms: percentilesMs(this.secondService).p99 };
    this.intervals.push(stats);
    second.reset();
    this.secondService.reset();
    this.intervalOps = 0;
    this.intervalErrors = 0;
    return stats;
  }

  /**
   * Settles the held-back seconds no late window can reach any more (`lateWindowReachSeconds`
   * before `tSeconds`). Apart from `closeInterval`: each is about a millisecond of histogram adds
   * on the generator's thread, and two short pauses delay fewer dispatches than one long one.
   */
  settleDue(tSeconds: number): void {
    while (this.pending.length > 0 && this.pending[0]!.t <= tSeconds - lateWindowReachSeconds) this.settle(this.pending.shift()!);
  }

  /** Settles every held-back second (the run is over: no window can open any more). */
  settleAll(): void {
    while (this.pending.length > 0) this.settle(this.pending.shift()!);
  }

  /** A held-back second goes to the steady state, unless a window opened late over it. */
  private settle(p: PendingSecond): void {
    const window = this.windows.any ? this.windows.firstOverlapping((p.t - 1) * 1000, p.t * 1000) : -1;
    const claimed = window >= 0;
    const healthy = !claimed && !this.generatorStalled(p.t);
    for (let op = 0; op < this.n; op++) {
      const pair = p.pairs[op]!;
      if (claimed) {
        this.windowOps[window] = (this.windowOps[window] ?? 0) + p.ops[op]!;
        this.windowErrors[window] = (this.windowErrors[window] ?? 0) + p.errors[op]!;
      } else {
        addRecorded(this.outsideTotals[op]!.latency, pair.latency);
        addRecorded(this.outsideTotals[op]!.service, pair.service);
        if (healthy) addRecorded(this.outsideHealthyByOp[op]!, pair.latency);
        addRecorded(this.settling.latency, pair.latency);
        addRecorded(this.settling.service, pair.service);
      }
      if (pair.latency.totalCount > 0) pair.latency.reset();
      if (pair.service.totalCount > 0) pair.service.reset();
    }
    if (this.settling.latency.totalCount > 0) {
      addRecorded(this.outsideOverall.latency, this.settling.latency);
      addRecorded(this.outsideOverall.service, this.settling.service);
      if (healthy) {
        addRecorded(this.outsideHealthy.latency, this.settling.latency);
        addRecorded(this.outsideHealthy.service, this.settling.service);
      }
      this.settling.latency.reset();
      this.settling.service.reset();
    }
    p.ops.fill(0);
    p.errors.fill(0);
    this.spare.push(p);
  }

  /** Operation types that were recorded, with their totals (the whole run). */
  byOp(): Map<OperationName, Pair & { ok: number; errors: number }> {
    const out = new Map<OperationName, Pair & { ok: number; errors: number }>();
    for (let op = 0; op < this.n; op++) {
      if (this.ok[op]! + this.failed[op]! === 0) continue;
      out.set(operationNames[op]!, { ...this.totals[op]!, ok: this.ok[op]!, errors: this.failed[op]! });
    }
    return out;
  }

  /** Per operation type, the histograms of operations outside chaos windows (settled seconds). */
  outsideByOp(): Map<OperationName, Pair> {
    const out = new Map<OperationName, Pair>();
    for (let op = 0; op < this.n; op++) if (this.outsideTotals[op]!.latency.totalCount > 0) out.set(operationNames[op]!, this.outsideTotals[op]!);
    return out;
  }

  /** Per chaos window (in the order they opened), the operations counted in it and the errors among them; an operation touching two is the first's. */
  byWindow(): Array<{ ops: number; errors: number }> {
    return this.windows.windows.map((_, i) => ({ ops: this.windowOps[i] ?? 0, errors: this.windowErrors[i] ?? 0 }));
  }

  /** Operations (and errors among them) that touched a chaos window: not judged by the steady-state gates. */
  get excluded(): { ops: number; errors: number } {
    let ops = 0;
    let errors = 0;
    // The windows' own counts: every excluded operation is counted in exactly one.
    for (const n of this.windowOps) ops += n ?? 0;
    for (const n of this.windowErrors) errors += n ?? 0;
    return { ops, errors };
  }

  get totalOps(): number {
    let n = 0;
    for (let op = 0; op < this.n; op++) n += this.ok[op]! + this.failed[op]!;
    return n;
  }

  get totalErrors(): number {
    let n = 0;
    for (let op = 0; op < this.n; op++) n += this.failed[op]!;
    return n;
  }

  /** HdrHistogram's percentile distribution (.hgrm) in milliseconds. */
  hgrm(name: OperationName | 'overall'): string {
    const h = name === 'overall' ? this.overall.latency : this.totals[operationCode[name]]!.latency;
    return h.totalCount ? h.outputPercentileDistribution(5, 1000) : '';
  }
}

const spectrumPoints = [0, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.75, 99.9, 99.95, 99.975, 99.99, 99.995, 99.999, 100];

/** Percentile spectrum [percentile, ms] for a log "nines" plot; only points the sample count can support. */
export function spectrumMs(h: Histogram): Array<[number, number]> {
  if (!h.totalCount) return [];
  return spectrumPoints
    .filter((p) => p === 100 || 1 / (1 - p / 100) <= h.totalCount)
    .map((p) => [p, h.getValueAtPercentile(p) / 1000]);
}

const secondOf = (ms: number): number => (ms > 0 ? Math.floor(ms / 1000) : 0);

/** Room for second `s`: doubled, so a run of any length grows a handful of times. */
function grown(a: Float64Array<ArrayBuffer>, s: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(Math.max(a.length * 2, s + 1));
  b.set(a);
  return b;
}

/** The run's latency figures as plain data: what the gates judge and the summary reports. */
export interface LatencyFigures {
  overall: Percentiles;
  byOp: Record<string, Percentiles>;
  serviceOverall: Percentiles;
  serviceByOp: Record<string, Percentiles>;
  /** Operations that touched no chaos window; null when the run had no window. */
  outsideChaos: {
    overall: Percentiles;
    byOp: Record<string, Percentiles>;
    ops: number;
    errors: number;
    /** Actions intended in seconds clear of every window, and those of them that succeeded (recorder.throughputOutside). */
    intended: number;
    succeeded: number;
  } | null;
  /** Operations that touched a chaos window (not judged by the steady-state gates). */
  excluded: { ops: number; errors: number };
  /** The same, per window in the order they opened. */
  byWindow: Array<{ ops: number; errors: number }>;
  totalOps: number;
  totalErrors: number;
}

export function latencyFigures(r: LatencyRecorder, windowsSeen: boolean): LatencyFigures {
  const byOp: Record<string, Percentiles> = {};
  const serviceByOp: Record<string, Percentiles> = {};
  for (const [name, h] of r.byOp()) {
    byOp[name] = percentilesMs(h.latency);
    serviceByOp[name] = percentilesMs(h.service);
  }
  const excluded = r.excluded;
  const outsideChaos = windowsSeen
    ? {
        overall: percentilesMs(r.outsideOverall.latency),
        byOp: Object.fromEntries([...r.outsideByOp()].map(([name, h]) => [name, percentilesMs(h.latency)])),
        ops: r.totalOps - excluded.ops,
        errors: r.totalErrors - excluded.errors,
        ...((t) => ({ intended: t.intended, succeeded: t.ok }))(r.throughputOutside()),
      }
    : null;
  return { overall: percentilesMs(r.overall.latency), byOp, serviceOverall: percentilesMs(r.overall.service), serviceByOp, outsideChaos, excluded, byWindow: r.byWindow(), totalOps: r.totalOps, totalErrors: r.totalErrors };
}
