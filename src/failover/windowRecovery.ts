import type { ChaosWindow, ChaosWindows } from '../load/chaosWindows.js';
import type { IntervalStats } from '../load/latencyRecorder.js';

/** One disturbance being watched until the system has recovered from it. */
export interface Disturbance {
  label: string;
  startMs: number;
  /** The fault is over (its step returned: a timed fault healed itself, an instant one struck). */
  faultDone(): boolean;
  /** A failover belongs to recovery: a master switch seen after the start, and every client writing again. */
  needsFailover: boolean;
  /** When the master switch was seen (ms since the load started), or null: not yet. */
  failoverSeenAtMs(): number | null;
  /** When the last client wrote again, or null: not every client has. */
  clientsBackAtMs(): number | null;
  /**
   * The failover seen is this disturbance's own: no other strike came between its start and the
   * switch. Only then is the outage before it the failover's (judged by the failover gates) and
   * left out of the window's error budget; another step's failover does not excuse this window's
   * errors. Absent: it is (a failover seen outside gauntlet is its own window's).
   */
  ownsFailover?(): boolean;
  /** Longest the window may stay open; null: no limit (an outage the experiment expects to last). */
  maxMs: number | null;
}

export interface RecoveryRecord {
  label: string;
  startMs: number;
  endMs: number | null;
  /** When recovery was complete (the end of the window), or null. */
  recoveredAtMs: number | null;
  /** Still not recovered at its maximum: the window was closed there. */
  exceeded: boolean;
  maxMs: number | null;
  /**
   * A window whose recovery needs a failover of its own: the operations (and errors) of its
   * seconds from the one its outage ended in (the master switch seen and every client writing
   * again), to its end. The outage before it is the failover's, judged by the failover-time and
   * write-gap gates; the window's error budget judges what follows. Null for any other window,
   * for one whose outage never ended, and for one whose failover another step caused: those are
   * judged whole.
   */
  afterOutage: { ops: number; errors: number } | null;
}

/** Consecutive good seconds that end a window. */
export const recoverySeconds = 3;

interface Tracked {
  d: Disturbance;
  window: ChaosWindow;
  good: number;
  record: RecoveryRecord;
}

/**
 * Chaos windows bound to what happened: a window opens at the actual strike and closes when the
 * system has recovered: the fault is over, the failover (if one belongs to it) is complete with
 * every client writing again, and then latency has been under budget (and errors within it) for
 * three consecutive seconds; those seconds are still in the window. A window still open at its
 * maximum closes there and says so ("did not recover within"). Judged once a second, on the
 * second's own figures.
 */
export class WindowRecovery {
  private readonly tracked: Tracked[] = [];

  constructor(
    private readonly windows: ChaosWindows,
    private readonly p99BudgetMs: number,
    private readonly maxErrorRate: number,
  ) {}

  watch(d: Disturbance): RecoveryRecord {
    const window = this.windows.open(d.label, d.startMs);
    const record: RecoveryRecord = { label: d.label, startMs: d.startMs, endMs: null, recoveredAtMs: null, exceeded: false, maxMs: d.maxMs, afterOutage: null };
    this.tracked.push({ d, window, good: 0, record });
    return record;
  }

  /** After each closed second `s` (its figures cover [s.t - 1, s.t] seconds of the run). */
  onSecond(s: IntervalStats): void {
    const endMs = s.t * 1000;
    for (const x of this.tracked) {
      if (x.record.endMs !== null || endMs <= x.d.startMs) continue;
      const switched = x.d.needsFailover ? x.d.failoverSeenAtMs() : null;
      const back = x.d.needsFailover ? x.d.clientsBackAtMs() : null;
      const outageOver = switched !== null && back !== null;
      const ready = x.d.faultDone() && (!x.d.needsFailover || outageOver);
      // A failover window's seconds from the one its outage ended in count towards its error
      // budget: the whole window tracks its outage, which down-after sets, not the target's
      // errors. By the outage's own times, not this call's (a second is judged once it is
      // settled, which can be seconds after it closed), and whether or not the fault still runs.
      // Only the window whose failover it is: every strike before the switch has struck by then.
      if (outageOver && endMs > Math.max(switched, back) && (x.d.ownsFailover?.() ?? true)) {
        const after = (x.record.afterOutage ??= { ops: 0, errors: 0 });
        after.ops += s.ops;
        after.errors += s.errors;
      }
      const good = ready && s.ops > 0 && s.latencyMs.p99 < this.p99BudgetMs && s.errors <= this.maxErrorRate * s.ops;
      x.good = good ? x.good + 1 : 0;
      if (x.good >= recoverySeconds) this.close(x, endMs, true);
      else if (x.d.maxMs !== null && endMs - x.d.startMs >= x.d.maxMs) {
        x.record.exceeded = true;
        this.close(x, x.d.startMs + x.d.maxMs, false);
      }
    }
  }

  /** The run ended: windows still open end with it, unrecovered. */
  finish(endMs: number): RecoveryRecord[] {
    for (const x of this.tracked) if (x.record.endMs === null) this.close(x, endMs, false);
    return this.tracked.map((x) => x.record);
  }

  private close(x: Tracked, endMs: number, recovered: boolean): void {
    this.windows.close(x.window, endMs);
    x.record.endMs = x.window.endMs;
    if (recovered) x.record.recoveredAtMs = endMs;
  }
}
