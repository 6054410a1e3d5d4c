import { meanThinkTimeMs, ratePlan } from '../export/k6RatePlan.js';
import type { Scenario } from '../load/scenario.js';

/**
 * The load of one sweep step, as a pure function of the scenario and a rate: the scenario's
 * sessions keep their think times, mix, lifetimes, TTLs and clients; only how many of them are
 * live changes. A live session acts once per think time; once its lifetime is over, its next
 * action is the logout (src/load/session/sessionBehaviour.ts) and a new session logs in in its
 * place: one operation more per lifetime.
 */

/** The achieved/intended floor of every step: below it the target did not take the offered load. */
export const minStepThroughputRatio = 0.97;

/** Session operations per second that one live session offers in steady state. */
export function ratePerSession(s: Scenario): number {
  return 1000 / meanThinkTimeMs(s.session.thinkTime) + 1000 / s.session.meanLifetime;
}

/** Live sessions that offer `rate` operations per second (at least one). */
export function sessionsForRate(s: Scenario, rate: number): number {
  return Math.max(1, Math.round(rate / ratePerSession(s)));
}

/**
 * The rate the scenario itself asks the target to hold: the highest rate of a stage that holds
 * its load level (a `sessions` stage with no ramp), or, with no such stage (a login storm), the
 * highest rate it reaches. Ramps are not counted: their logins are a transient, not a level.
 */
export function scenarioTargetRate(s: Scenario): number {
  let held = 0;
  let previous = 0;
  for (const stage of s.stages) {
    if (stage.sessions === undefined) continue;
    if (stage.sessions === previous) held = Math.max(held, stage.sessions * ratePerSession(s));
    previous = stage.sessions;
  }
  return held > 0 ? held : ratePlan(s).peakRate;
}

/** How long a step ramps its sessions up: four mean think times (logins at most a quarter of the step's rate), 3 to 20 s. */
export function rampMs(s: Scenario): number {
  return Math.min(20_000, Math.max(3000, 4 * meanThinkTimeMs(s.session.thinkTime)));
}

/**
 * A step's scenario: ramp to the sessions that offer `rate`, then hold them for `holdMs`. The
 * gates are the scenario's, with achieved/intended held to at least 0.97.
 */
export function stepScenario(base: Scenario, rate: number, holdMs: number): Scenario {
  const sessions = sessionsForRate(base, rate);
  return {
    ...base,
    stages: [
      { name: 'ramp-up', duration: rampMs(base), sessions },
      { name: 'hold', duration: Math.round(holdMs), sessions },
    ],
    thresholds: { ...base.thresholds, minThroughputRatio: Math.max(base.thresholds.minThroughputRatio, minStepThroughputRatio) },
  };
}

/** Where the judged part of a step lies, in ms since its load started. */
export function holdWindow(step: Scenario): { startMs: number; endMs: number } {
  const ramp = step.stages[0]!.duration;
  return { startMs: ramp, endMs: ramp + step.stages[1]!.duration };
}
