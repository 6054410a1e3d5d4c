import type { SessionSeeds } from '../sessionRandom.js';
import type { PopulationController, PopulationHost } from './populationController.js';
import type { PopulationPlan } from './populationPlan.js';

/**
 * Sessions that ended while a ramp held or raised its count, oldest first: each is replaced by
 * its successor, intended when it ended. Shared by the ramps of a run, since a session may end at
 * the last moment of one stage and be replaced in the next.
 */
export class Vacancies {
  /** [seed, intendedMs] pairs. */
  private readonly queue: number[] = [];
  private head = 0;

  add(seed: number, at: number): void {
    this.queue.push(seed, at);
  }

  get size(): number {
    return (this.queue.length - this.head) / 2;
  }

  /** The oldest vacancy as [seed, at]; call only when `size` > 0. */
  take(): [number, number] {
    const seed = this.queue[this.head]!;
    const at = this.queue[this.head + 1]!;
    this.head += 2;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    return [seed, at];
  }
}

/**
 * A `sessions` stage: the concurrent-session count follows the plan's linear ramp. The k-th login
 * of a ramp has its intended time from the plan alone, so a slow target cannot slow the ramp; a
 * session that ended (its lifetime over, revoked, found gone) while the ramp holds or rises is
 * replaced by its successor, intended when it ended; on a ramp down, ends are not replaced.
 */
export class SessionRamp implements PopulationController {
  /** Logins of this ramp issued so far, counted from the stage's starting population. */
  private issued: number | null = null;
  private unplanned = 0;

  constructor(
    private readonly plan: PopulationPlan,
    private readonly stage: number,
    private readonly host: PopulationHost,
    private readonly seeds: SessionSeeds,
    private readonly vacancies: Vacancies,
  ) {}

  /** Follows the ramp up to `now`; at its stage's end (the engine catching up), up to the stage's own target. */
  control(now: number): void {
    const target = (now >= this.plan.stageEnd(this.stage) ? this.plan.stageTarget(this.stage) : this.plan.targetSessions(now)) ?? 0;
    this.issued ??= Math.floor(this.plan.targetSessions(this.plan.stageStart(this.stage)) ?? 0);
    while (this.host.liveCount < Math.floor(target)) {
      if (this.issued < Math.floor(target)) {
        const count = ++this.issued;
        this.host.spawn(Math.min(this.plan.timeOfCount(this.stage, count), now), true, this.seeds.planned(this.stage, this.plan.ordinalOf(count)));
      } else if (this.vacancies.size > 0) {
        const [ended, at] = this.vacancies.take();
        this.host.spawn(Math.min(at, now), false, this.seeds.successor(ended));
      } else this.host.spawn(now, false, this.seeds.unplanned(this.stage, ++this.unplanned));
    }
    while (this.host.liveCount > Math.ceil(target)) this.host.retireRandom(Math.min(now, this.plan.timeOfDropTo(this.stage, this.host.liveCount - 1)));
  }

  ended(seed: number, at: number): void {
    // On a ramp down an end stands in for a retirement.
    if (!this.plan.rampsDown(this.stage)) this.vacancies.add(seed, at);
  }

  nextAt(now: number): number {
    const end = this.plan.stageEnd(this.stage);
    const target = this.plan.targetSessions(now) ?? 0;
    const live = this.host.liveCount;
    if (live < Math.floor(target)) return now;
    const from = this.plan.targetSessions(this.plan.stageStart(this.stage)) ?? 0;
    const to = this.plan.stageTarget(this.stage) ?? from;
    if (to > from) return Math.min(this.plan.timeOfCount(this.stage, Math.max(this.issued ?? 0, live) + 1), end);
    if (to < from) return Math.min(this.plan.timeOfDropTo(this.stage, live - 1), end);
    return end;
  }
}
