import type { RandomSource } from '../randomSource.js';
import type { PopulationController, PopulationHost } from './populationController.js';
import type { PopulationPlan } from './populationPlan.js';

/**
 * A `loginRate` stage: logins arrive at a fixed rate whatever the target does (open arrivals);
 * each session lives an exponentially distributed lifetime around the scenario's mean.
 */
export class LoginArrivals implements PopulationController {
  private nextLoginAt: number;
  private readonly intervalMs: number;

  constructor(
    private readonly plan: PopulationPlan,
    private readonly stage: number,
    loginRate: number,
    private readonly meanLifetimeMs: number,
    private readonly host: PopulationHost,
    private readonly rng: RandomSource,
  ) {
    this.nextLoginAt = plan.stageStart(stage);
    this.intervalMs = 1000 / loginRate;
  }

  control(now: number): void {
    while (this.nextLoginAt <= now) {
      this.host.spawn(this.nextLoginAt, this.nextLoginAt + this.rng.exponential(this.meanLifetimeMs), true);
      this.nextLoginAt += this.intervalMs;
    }
  }

  nextAt(): number {
    return Math.min(this.nextLoginAt, this.plan.stageEnd(this.stage));
  }
}
