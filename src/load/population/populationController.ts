import type { RandomSource } from '../randomSource.js';
import type { Scenario } from '../scenario.js';
import { LoginArrivals } from './loginArrivals.js';
import type { PopulationPlan } from './populationPlan.js';
import { SessionRamp } from './sessionRamp.js';

/** What a population controller may do to the generator's sessions. */
export interface PopulationHost {
  readonly liveCount: number;
  /** A new session logging in at intended time `at`; `scheduled`: its time came from the plan (its lag counts). */
  spawn(at: number, endAt: number, scheduled: boolean): void;
  /** Ends a randomly chosen live session with a logout intended at `at` (a ramp down). */
  retireRandom(at: number): void;
}

/**
 * One controller per stage, of the stage's kind (as k6 has one executor type per load shape):
 * `sessions` stages hold a concurrent-session target, `loginRate` stages admit open arrivals.
 */
export interface PopulationController {
  /** Creates and ends sessions so the population follows the plan up to `now`. */
  control(now: number): void;
  /** When this controller next has something to do (a ramp step, an arrival, its stage's end). */
  nextAt(now: number): number;
}

export function populationControllers(plan: PopulationPlan, s: Scenario, host: PopulationHost, rng: RandomSource): PopulationController[] {
  return s.stages.map((stage, i) => (stage.sessions === undefined ? new LoginArrivals(plan, i, stage.loginRate ?? 1, s.session.meanLifetime, host, rng) : new SessionRamp(plan, i, host)));
}
