/**
 * The slow-drift rule (docs/nightly.md states it for users). For one metric of one series of
 * comparable runs, take the values of the last `window` passing nights, oldest first: v1..vN.
 * It fires when
 *   - there are `window` such nights,
 *   - the value rose from one night to the next (v[i+1] > v[i]) in at least `rising` of the N-1 steps,
 *   - and vN - v1 > `minRisePct` % of v1 and vN - v1 > `minRiseMs` (the metric's unit, ms).
 * Passing nights only: a failed night is already red, and an invalid night's figures say nothing
 * about the target. Both conditions on the rise are needed: steps alone fire on a flat series that
 * wobbles upwards by microseconds, the total alone fires on one noisy night.
 */
export interface DriftRule {
  window: number;
  rising: number;
  minRisePct: number;
  minRiseMs: number;
}

/**
 * A week of nights; 5 of its 6 steps rising; +15 % and +0.5 ms. A steady 2.5 % a night reaches
 * +16 % in six steps, so such a drift is caught within a week. For noise with no trend, 5 or more
 * rising steps out of 6 happen in 121 of the 5,040 orders of 7 values (2.4 %), and then the rise
 * must also exceed 15 %.
 */
export const defaultDriftRule: DriftRule = { window: 7, rising: 5, minRisePct: 15, minRiseMs: 0.5 };

/** What is wrong with a rule given on the command line, or null. */
export function driftRuleProblem(r: DriftRule): string | null {
  if (!Number.isInteger(r.window) || r.window < 3) return `--window must be a whole number of nights, at least 3 (got ${r.window})`;
  if (!Number.isInteger(r.rising) || r.rising < 1 || r.rising > r.window - 1) return `--rising must be a whole number from 1 to ${r.window - 1} (the steps between ${r.window} nights), got ${r.rising}`;
  if (!(r.minRisePct >= 0)) return `--min-rise-pct must be 0 or more, got ${r.minRisePct}`;
  if (!(r.minRiseMs >= 0)) return `--min-rise-ms must be 0 or more, got ${r.minRiseMs}`;
  return null;
}

export interface NightValue {
  runId: string;
  value: number;
}

export type DriftAssessment =
  | { status: 'too-few-nights'; nights: number }
  | {
      status: 'drift' | 'no-drift';
      /** The nights judged, oldest first. */
      runIds: string[];
      first: number;
      last: number;
      risingSteps: number;
      steps: number;
      /** (last - first) / first in %, null when first is 0. */
      risePct: number | null;
    };

/** Applies the rule to one metric's values of passing nights, oldest first (pure). */
export function assessDrift(values: readonly NightValue[], rule: DriftRule): DriftAssessment {
  if (values.length < rule.window) return { status: 'too-few-nights', nights: values.length };
  const judged = values.slice(-rule.window);
  let risingSteps = 0;
  for (let i = 1; i < judged.length; i++) if (judged[i]!.value > judged[i - 1]!.value) risingSteps++;
  const first = judged[0]!.value;
  const last = judged[judged.length - 1]!.value;
  const rise = last - first;
  const risePct = first > 0 ? (rise / first) * 100 : null;
  const riseBigEnough = rise > rule.minRiseMs && (risePct === null ? rise > 0 : risePct > rule.minRisePct);
  return {
    status: risingSteps >= rule.rising && riseBigEnough ? 'drift' : 'no-drift',
    runIds: judged.map((v) => v.runId),
    first,
    last,
    risingSteps,
    steps: judged.length - 1,
    risePct: risePct === null ? null : Math.round(risePct * 10) / 10,
  };
}
