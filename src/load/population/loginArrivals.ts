import type { SessionSeeds } from '../sessionRandom.js';
import type { PopulationController, PopulationHost } from './populationController.js';
import type { PopulationPlan } from './populationPlan.js';
import type { SchedulePartition } from './schedulePartition.js';

/**
 * A `loginRate` stage: logins arrive at a fixed rate whatever the target does (open arrivals);
 * each session lives an exponentially distributed lifetime around the scenario's mean (drawn
 * from its own stream). A partition admits the arrivals numbered like its own sessions.
 */
export class LoginArrivals implements PopulationController {
  /** The next arrival of the stage this partition admits (0-based, counted over the whole stage). */
  private next: number;
  private readonly intervalMs: number;

  constructor(
    private readonly plan: PopulationPlan,
    private readonly stage: number,
    loginRate: number,
    private readonly host: PopulationHost,
    private readonly seeds: SessionSeeds,
    private readonly partition: SchedulePartition,
  ) {
    this.next = partition.index;
    this.intervalMs = 1000 / loginRate;
  }

  /** Arrival j's intended time, computed (never accumulated) so every partition agrees on it. */
  private timeOf(j: number): number {
    return this.plan.stageStart(this.stage) + j * this.intervalMs;
  }

  /** Admits the arrivals intended up to `now` (at most up to the stage's end, where the next stage's begin). */
  control(now: number): void {
    const end = this.plan.stageEnd(this.stage);
    for (let at = this.timeOf(this.next); at <= now && at < end; at = this.timeOf(this.next)) {
      this.host.spawn(at, true, this.seeds.arrival(this.stage, this.next));
      this.next += this.partition.count;
    }
  }

  nextAt(): number {
    return Math.min(this.timeOf(this.next), this.plan.stageEnd(this.stage));
  }
}
