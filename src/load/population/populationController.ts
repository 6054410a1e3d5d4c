import type { SessionSeeds } from '../sessionRandom.js';
import type { Scenario } from '../scenario.js';
import { LoginArrivals } from './loginArrivals.js';
import { PlanShare } from './planShare.js';
import type { PopulationPlan } from './populationPlan.js';
import { wholeSchedule, type SchedulePartition } from './schedulePartition.js';
import { SessionRamp, Vacancies } from './sessionRamp.js';

/** What a population controller may do to the generator's sessions. */
export interface PopulationHost {
  readonly liveCount: number;
  /**
   * A new session logging in at intended time `at`; `scheduled`: its time came from the plan (its
   * lag counts); `seed`: its own random stream (SessionSeeds), which fixes what it will do.
   */
  spawn(at: number, scheduled: boolean, seed: number): void;
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
  /** A session (seeded `seed`) ended at `at` in this stage: a logout, or an end the app decided (revoked, found gone). */
  ended?(seed: number, at: number): void;
}

/** The controllers of every stage, for one partition of the schedule (the whole of it by default). */
export function populationControllers(plan: PopulationPlan, s: Scenario, host: PopulationHost, seeds: SessionSeeds, partition: SchedulePartition = wholeSchedule): PopulationController[] {
  const share = partition.count === 1 ? plan : new PlanShare(s.stages, partition);
  const vacancies = new Vacancies();
  return s.stages.map((stage, i) => (stage.sessions === undefined ? new LoginArrivals(share, i, stage.loginRate ?? 1, host, seeds, partition) : new SessionRamp(share, i, host, seeds, vacancies)));
}
