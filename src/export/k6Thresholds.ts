import type { OperationName, Scenario } from '../load/scenario.js';
import type { RatePlan } from './k6RatePlan.js';

/** Names shared by the generated script (k6Script.ts) and its thresholds. */
export const k6Names = {
  /** The one k6 scenario that carries every session operation. */
  scenario: 'sessions',
  /** Rate metric: 1 per operation that errored, 0 per operation that did not; tagged `op`. */
  errors: 'session_op_errors',
  /** Counter metric: operations by `op` and `outcome` (ok, session-gone, token-reuse-revoked, ...). */
  outcomes: 'session_op_outcomes',
} as const;

/** The operations a scenario can produce (a mix weight of 0 never draws its operation). */
export function operationsOffered(s: Scenario): OperationName[] {
  const m = s.session.mix;
  const ops: OperationName[] = ['login'];
  if (m.request > 0) ops.push('request');
  if (m.refresh > 0) ops.push('refresh');
  if (m.oauth > 0) ops.push('oauthBegin', 'oauthComplete');
  ops.push('logout');
  if (m.revokeAll > 0) ops.push('revokeAll');
  return ops;
}

/** A number as the threshold grammar takes it: digits and a point, never an exponent (1e-7). */
function k6Number(x: number): string {
  const text = String(x);
  return text.includes('e') ? x.toFixed(20).replace(/\.?0+$/, '') : text;
}

/**
 * The scenario's gates in k6 syntax. Each iteration of the script is one session operation, so
 * k6's own `iteration_duration` (measured in Go at nanosecond resolution, where a JavaScript
 * clock would give milliseconds) is the operation's latency; the iteration is tagged with its
 * `op`. gauntlet's "completed / intended" gate has no k6 ratio: k6 drops an iteration it has no
 * free VU for (`dropped_iterations`), so the gate becomes a cap on dropped iterations of
 * (1 - minThroughputRatio) times the operations the plan offers; errors have their own gate.
 */
export function k6Thresholds(s: Scenario, plan: RatePlan): Record<string, string[]> {
  const t = s.thresholds;
  const thresholds: Record<string, string[]> = {
    [`iteration_duration{scenario:${k6Names.scenario}}`]: [`p(99)<${k6Number(t.p99Ms)}`],
  };
  if (t.perOperationP99Ms !== undefined) {
    for (const op of operationsOffered(s)) thresholds[`iteration_duration{op:${op}}`] = [`p(99)<${k6Number(t.perOperationP99Ms)}`];
  }
  thresholds[k6Names.errors] = [`rate<=${k6Number(t.maxErrorRate)}`];
  thresholds.dropped_iterations = [`count<=${Math.floor((1 - t.minThroughputRatio) * plan.expectedOperations)}`];
  return thresholds;
}
