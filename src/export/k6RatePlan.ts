import type { Scenario, ThinkTime } from '../load/scenario.js';

/**
 * The scenario's offered load as rates over time, for an arrival-rate executor: logins, the
 * authenticated actions of live sessions, and logouts, each in operations per second. It is the
 * expectation of what the load engine offers (src/load/loadEngine.ts), not a replay of its
 * schedule:
 * - a session stage ramps the live sessions N linearly; logins = ramp-up rate + N / lifetime
 *   (churn: a session that ends is replaced), actions = N / mean think time, logouts = ramp-down
 *   rate + N / lifetime. All linear within the stage, so the segments are exact.
 * - a loginRate stage logs in at its rate; sessions live an exponential lifetime, so
 *   N(t) = N0·e^(-t/L) + rate·L·(1 - e^(-t/L)). That curve is cut into linear pieces.
 */
export interface OperationRates {
  login: number;
  action: number;
  logout: number;
}

export interface RateSegment {
  durationMs: number;
  start: OperationRates;
  end: OperationRates;
  /** Sessions that end early (revoked, found gone) are replaced, as the engine does in session stages. */
  replaceEnded: boolean;
}

export interface RatePlan {
  segments: RateSegment[];
  /** Operations the plan offers in total (the integral of the rates). */
  expectedOperations: number;
  /** Highest total rate, operations per second. */
  peakRate: number;
}

/** At most this many linear pieces per loginRate stage (its session curve is nearly linear when lifetimes are long). */
const maxPiecesPerLoginStage = 20;
/** Sessions left over (or missing) when a session stage follows a loginRate stage end (or start) within this long. */
const adjustMs = 1000;

export function meanThinkTimeMs(t: ThinkTime): number {
  switch (t.distribution) {
    case 'exponential':
      return t.meanMs;
    case 'uniform':
      return (t.minMs + t.maxMs) / 2;
    case 'constant':
      return t.ms;
  }
}

export function totalRate(r: OperationRates): number {
  return r.login + r.action + r.logout;
}

export function ratePlan(s: Scenario): RatePlan {
  const thinkS = meanThinkTimeMs(s.session.thinkTime) / 1000;
  const lifetimeS = s.session.meanLifetime / 1000;
  const segments: RateSegment[] = [];
  // Expected live sessions now, and the last session stage's target: like PopulationPlan, a
  // session stage ramps from the previous session stage's target, not from what a loginRate stage left.
  let live = 0;
  let previousTarget = 0;
  for (const stage of s.stages) {
    const d = stage.duration;
    if (stage.sessions !== undefined) {
      const from = previousTarget;
      const to = stage.sessions;
      const ramp = (to - from) / (d / 1000);
      const at = (n: number, extraLogin = 0, extraLogout = 0): OperationRates => ({
        login: Math.max(ramp, 0) + n / lifetimeS + extraLogin,
        action: n / thinkS,
        logout: Math.max(-ramp, 0) + n / lifetimeS + extraLogout,
      });
      const sessionsAt = (ms: number): number => from + ((to - from) * ms) / d;
      const excess = live - from;
      if (Math.abs(excess) >= 1) {
        // The engine ends the excess (or logs in the missing) at once; spread over the first second here.
        const a = Math.min(adjustMs, d);
        const burst = Math.abs(excess) / (a / 1000);
        const [extraLogin, extraLogout] = excess > 0 ? [0, burst] : [burst, 0];
        segments.push({ durationMs: a, start: at(from, extraLogin, extraLogout), end: at(sessionsAt(a), extraLogin, extraLogout), replaceEnded: true });
        if (a < d) segments.push({ durationMs: d - a, start: at(sessionsAt(a)), end: at(to), replaceEnded: true });
      } else {
        segments.push({ durationMs: d, start: at(from), end: at(to), replaceEnded: true });
      }
      live = to;
      previousTarget = to;
    } else {
      const rate = stage.loginRate ?? 0;
      const n0 = live;
      const sessionsAt = (ms: number): number => {
        const decay = Math.exp(-ms / 1000 / lifetimeS);
        return n0 * decay + rate * lifetimeS * (1 - decay);
      };
      const at = (n: number): OperationRates => ({ login: rate, action: n / thinkS, logout: n / lifetimeS });
      const pieces = Math.min(maxPiecesPerLoginStage, Math.max(1, Math.ceil(d / 1000)));
      for (let i = 0; i < pieces; i++) {
        const a = Math.round((d * i) / pieces);
        const b = Math.round((d * (i + 1)) / pieces);
        segments.push({ durationMs: b - a, start: at(sessionsAt(a)), end: at(sessionsAt(b)), replaceEnded: false });
      }
      live = sessionsAt(d);
    }
  }
  let expectedOperations = 0;
  let peakRate = 0;
  for (const seg of segments) {
    expectedOperations += ((totalRate(seg.start) + totalRate(seg.end)) / 2) * (seg.durationMs / 1000);
    peakRate = Math.max(peakRate, totalRate(seg.start), totalRate(seg.end));
  }
  return { segments, expectedOperations, peakRate };
}
