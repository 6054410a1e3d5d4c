import type { Histogram } from 'hdr-histogram-js';
import type { JudgedSpan } from '../attribution/latencyAttribution.js';
import { addRecorded } from '../load/histogramAdd.js';
import { newHistogram, newPair, percentilesMs, type Pair, type Percentiles } from '../load/latencyRecorder.js';
import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';
import { op as operationCode, operationNames, type OperationName } from '../load/scenario.js';
import { TailAttribution } from '../load/tailAttribution.js';

/** What a step's hold measured: latency from the intended start, as a run measures it, of the operations intended in the hold. */
export interface HoldFigures {
  overall: Percentiles;
  byOp: Record<string, Percentiles>;
  /** Operations intended in the hold that completed (with or without an error). */
  completed: number;
  errors: number;
  /** Operations intended before the hold (the ramp): subtracted from the run's intended count. */
  beforeHold: number;
}

/**
 * One second of the hold's latencies per operation type, by the run second they completed in (the
 * engine's own count, as its recorder and generator monitor close them), kept until the run says
 * whether the generator stalled in it. Packed: a second holds a few thousand values in a few
 * hundred buckets, and a hold many seconds (a typed histogram takes 86 KB however few it holds).
 */
type SecondLatencies = Array<Histogram | undefined>;

/**
 * The judged part of a step: a step ramps its sessions up first, and the ramp's logins are a
 * transient the knee must not be read from, so only operations intended within the hold are
 * recorded here (the same microsecond HDR histograms as the run's own recorder). Beside the
 * figures, what the hold's own attribution needs: service times, where the latency went (behind
 * the previous action, queueing, reply), and each second's latencies, to be split by the seconds
 * the generator stalled in once the run has judged them (`span`). An observer of the run: it
 * copies numbers from each event, never the event.
 *
 * HdrHistogram's Recorder pattern, as the run's own recorder: each operation records its latency
 * once, into its type's interval histogram (typed, reused), and its service time once, into its
 * type's; the tail takes the parts. When an operation of another second arrives (the next one, or
 * with workers, whose batches reach the parent in turn, an earlier one again), the interval is
 * added into its second's packed histograms and its type's latency total.
 */
export class HoldRecorder implements OperationObserver {
  private readonly interval: Histogram[] = operationNames.map(() => newHistogram());
  private intervalSecond = -1;
  private readonly seconds: SecondLatencies[] = [];
  /** Per type: latency (added from the intervals) and service time (recorded). */
  private readonly byOp: Pair[] = operationNames.map(newPair);
  private readonly tail = new TailAttribution();
  private overallCache: Pair | null = null;
  private completed = 0;
  private errors = 0;
  private beforeHold = 0;

  constructor(
    private readonly startMs: number,
    private readonly endMs: number,
  ) {}

  onOperation(e: Readonly<OperationEvent>): void {
    if (e.intendedMs < this.startMs) {
      this.beforeHold++;
      return;
    }
    if (e.intendedMs >= this.endMs) return;
    const us = Math.max(1, Math.round((e.doneMs - e.intendedMs) * 1000));
    const serviceUs = Math.max(1, Math.round((e.doneMs - e.sentMs) * 1000));
    const code = operationCode[e.action];
    // A worker's operations reach the parent in batches, so a second can come round again: each change adds the interval's types (microseconds each).
    if (e.second !== this.intervalSecond) this.closeInterval(e.second);
    this.interval[code]!.recordValue(us);
    this.byOp[code]!.service.recordValue(serviceUs);
    this.tail.record(us, (e.readyMs - e.intendedMs) * 1000, (e.sentMs - e.readyMs) * 1000, serviceUs);
    this.completed++;
    if (e.error !== null) this.errors++;
  }

  /** The interval into its second's packed histograms and the latency totals; `next` is the second now recorded (-1: none). */
  private closeInterval(next: number): void {
    if (this.intervalSecond >= 0) {
      const second = (this.seconds[this.intervalSecond] ??= []);
      this.interval.forEach((h, code) => {
        if (h.totalCount === 0) return;
        addRecorded((second[code] ??= newHistogram('packed')), h);
        addRecorded(this.byOp[code]!.latency, h);
        h.reset();
      });
    }
    this.intervalSecond = next;
  }

  /** The hold's types and overall, once the interval under way is added in (the run is over); kept until an operation comes in. */
  private totals(): { overall: Pair; byOp: Pair[] } {
    // Every operation sets a second (>= 0): none since the last sum leaves it at -1.
    if (this.overallCache && this.intervalSecond < 0) return { overall: this.overallCache, byOp: this.byOp };
    this.closeInterval(-1);
    const overall = newPair();
    for (const pair of this.byOp) {
      addRecorded(overall.latency, pair.latency);
      addRecorded(overall.service, pair.service);
    }
    this.overallCache = overall;
    return { overall, byOp: this.byOp };
  }

  figures(): HoldFigures {
    const { overall, byOp } = this.totals();
    const figures: Record<string, Percentiles> = {};
    byOp.forEach((pair, code) => {
      if (pair.latency.totalCount > 0) figures[operationNames[code]!] = percentilesMs(pair.latency);
    });
    return { overall: percentilesMs(overall.latency), byOp: figures, completed: this.completed, errors: this.errors, beforeHold: this.beforeHold };
  }

  /**
   * The hold as an attribution judges it: its operations, and those of the seconds in which the
   * generator did not stall (`stalled(t)`, the run's judgement of its second t).
   */
  span(stalled: (t: number) => boolean): JudgedSpan {
    const totals = this.totals();
    const healthy = newHistogram();
    const healthyByOp = operationNames.map(() => newHistogram());
    let seconds = 0;
    let stalledSeconds = 0;
    this.seconds.forEach((second, t) => {
      seconds++;
      if (stalled(t)) {
        stalledSeconds++;
        return;
      }
      second.forEach((h, code) => h && addRecorded(healthyByOp[code]!, h));
    });
    // Typed into typed: a packed histogram's counts cost a call each.
    for (const h of healthyByOp) addRecorded(healthy, h);
    const byOp = new Map<OperationName, Pair>();
    totals.byOp.forEach((pair, code) => {
      if (pair.latency.totalCount > 0) byOp.set(operationNames[code]!, pair);
    });
    return { scope: 'all operations', overall: totals.overall, byOp, healthyLatency: healthy, healthyLatencyByOp: (op) => healthyByOp[operationCode[op]]!, tail: this.tail, seconds, stalledSeconds };
  }

  /** The rank-th smallest latency of the hold, ms (HDR precision: 3 significant digits). */
  readonly valueAtRankMs = (rank: number): number => {
    const h = this.totals().overall.latency;
    const n = h.totalCount;
    if (n === 0) return 0;
    return h.getValueAtPercentile((100 * Math.min(n, Math.max(1, rank))) / n) / 1000;
  };

  get samples(): number {
    return this.completed;
  }
}
