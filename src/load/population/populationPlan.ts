import type { Stage } from '../scenario.js';

/**
 * The offered load over time, as a pure function of the scenario: how many concurrent sessions
 * should exist at time t (session stages), or the login rate (loginRate stages). The scheduler
 * asks it only with intended times, never with completion times, so the offered load cannot
 * bend to the target's speed (the open model).
 */
export class PopulationPlan {
  private readonly starts: number[] = [];
  private readonly fromSessions: number[] = [];
  readonly totalMs: number;

  constructor(private readonly stages: readonly Stage[]) {
    let t = 0;
    let prev = 0;
    for (const s of stages) {
      this.starts.push(t);
      this.fromSessions.push(prev);
      t += s.duration;
      if (s.sessions !== undefined) prev = s.sessions;
    }
    this.totalMs = t;
  }

  stageIndexAt(t: number): number {
    for (let i = this.stages.length - 1; i >= 0; i--) if (t >= this.starts[i]!) return i;
    return 0;
  }

  stageAt(t: number): Stage {
    return this.stages[this.stageIndexAt(t)]!;
  }

  stageStart(i: number): number {
    return this.starts[i]!;
  }

  stageEnd(i: number): number {
    return i + 1 < this.stages.length ? this.starts[i + 1]! : this.totalMs;
  }

  /** The concurrent-session target a `sessions` stage ramps to; undefined for a `loginRate` stage. */
  stageTarget(i: number): number | undefined {
    return this.stages[i]!.sessions;
  }

  /** Target concurrent sessions at t for session stages (linear ramp from the previous stage's target); null in loginRate stages. */
  targetSessions(t: number): number | null {
    const i = this.stageIndexAt(t);
    const s = this.stages[i]!;
    if (s.sessions === undefined) return null;
    const from = this.fromSessions[i]!;
    const f = Math.min(1, Math.max(0, (t - this.starts[i]!) / s.duration));
    return from + (s.sessions - from) * f;
  }

  /**
   * The intended time at which the target first reaches `count` sessions within stage i (the
   * inverse of the ramp), so the k-th login of a ramp has a fixed, evenly spaced intended time.
   */
  timeOfCount(i: number, count: number): number {
    const s = this.stages[i]!;
    const from = this.fromSessions[i]!;
    const to = s.sessions ?? from;
    if (to === from) return this.starts[i]!;
    const f = Math.min(1, Math.max(0, (count - from) / (to - from)));
    return this.starts[i]! + f * s.duration;
  }

  /** The intended time at which a ramp down of stage i leaves `count` sessions (the plan reaches `count` on its way down). */
  timeOfDropTo(i: number, count: number): number {
    return this.timeOfCount(i, count);
  }

  /** Whether stage i ramps the whole plan down (a share of a plan may hold where the whole falls). */
  rampsDown(i: number): boolean {
    const s = this.stages[i]!;
    return s.sessions !== undefined && s.sessions < this.fromSessions[i]!;
  }

  /** The schedule's number of this plan's `count`-th session of a ramp (itself: a share of a plan renumbers). */
  ordinalOf(count: number): number {
    return count;
  }

  peakSessions(): number {
    return Math.max(0, ...this.stages.map((s) => s.sessions ?? 0));
  }
}
