import type { Histogram } from 'hdr-histogram-js';
import { newHistogram, percentilesMs, type Percentiles } from '../load/latencyRecorder.js';
import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';

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
 * The judged part of a step: a step ramps its sessions up first, and the ramp's logins are a
 * transient the knee must not be read from, so only operations intended within the hold are
 * recorded here (the same microsecond HDR histograms as the run's own recorder). An observer of
 * the run: it copies two numbers and the operation's name from each event, never the event.
 */
export class HoldRecorder implements OperationObserver {
  private readonly overall: Histogram = newHistogram();
  private readonly byOp = new Map<string, Histogram>();
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
    this.overall.recordValue(us);
    let h = this.byOp.get(e.action);
    if (!h) this.byOp.set(e.action, (h = newHistogram()));
    h.recordValue(us);
    this.completed++;
    if (e.error !== null) this.errors++;
  }

  figures(): HoldFigures {
    return { overall: percentilesMs(this.overall), byOp: Object.fromEntries([...this.byOp].map(([k, h]) => [k, percentilesMs(h)])), completed: this.completed, errors: this.errors, beforeHold: this.beforeHold };
  }

  /** The rank-th smallest latency of the hold, ms (HDR precision: 3 significant digits). */
  readonly valueAtRankMs = (rank: number): number => {
    const n = this.overall.totalCount;
    if (n === 0) return 0;
    return this.overall.getValueAtPercentile((100 * Math.min(n, Math.max(1, rank))) / n) / 1000;
  };

  get samples(): number {
    return this.overall.totalCount;
  }
}
