import type { PopulationController, PopulationHost } from './populationController.js';
import type { PopulationPlan } from './populationPlan.js';

/**
 * A `sessions` stage: the concurrent-session count follows the plan's linear ramp. The k-th login
 * of a ramp has its intended time from the plan alone, so a slow target cannot slow the ramp;
 * a session that ended early (revoked, found gone) is replaced by a new arrival at once.
 */
export class SessionRamp implements PopulationController {
  /** Logins of this ramp issued so far, counted from the stage's starting population. */
  private issued: number | null = null;

  constructor(
    private readonly plan: PopulationPlan,
    private readonly stage: number,
    private readonly host: PopulationHost,
  ) {}

  control(now: number): void {
    const target = this.plan.targetSessions(now) ?? 0;
    this.issued ??= Math.floor(this.plan.targetSessions(this.plan.stageStart(this.stage)) ?? 0);
    while (this.host.liveCount < Math.floor(target)) {
      if (this.issued < Math.floor(target)) this.host.spawn(Math.min(this.plan.timeOfCount(this.stage, ++this.issued), now), Infinity, true);
      else this.host.spawn(now, Infinity, false);
    }
    while (this.host.liveCount > Math.ceil(target)) this.host.retireRandom(Math.min(now, this.plan.timeOfCount(this.stage, this.host.liveCount - 1)));
  }

  nextAt(now: number): number {
    const end = this.plan.stageEnd(this.stage);
    const target = this.plan.targetSessions(now) ?? 0;
    const live = this.host.liveCount;
    if (live < Math.floor(target)) return now;
    const from = this.plan.targetSessions(this.plan.stageStart(this.stage)) ?? 0;
    const to = this.plan.stageTarget(this.stage) ?? from;
    if (to > from) return Math.min(this.plan.timeOfCount(this.stage, Math.max(this.issued ?? 0, live) + 1), end);
    if (to < from) return Math.min(this.plan.timeOfCount(this.stage, live - 1), end);
    return end;
  }
}
