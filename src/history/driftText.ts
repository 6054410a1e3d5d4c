import type { DriftCheck } from './trendSeries.js';
import type { DriftRule } from './driftRule.js';

const num = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

/** The rule in one sentence, for the console and the page. */
export function driftRuleText(r: DriftRule): string {
  return `drift = over the last ${r.window} passing nights of a series, a p99 (or the failover write gap) rose from one night to the next in at least ${r.rising} of ${r.window - 1} steps and the last night is more than ${r.minRisePct} % and ${r.minRiseMs} ms above the first`;
}

/**
 * One drift check in words, e.g. "p99 latency, login: DRIFT: rose in 6 of 6 steps over the last 7
 * passing nights, 1.20 -> 2.40 ms (+100 %)"; a check that holds says which condition it missed.
 */
export function driftCheckText(d: DriftCheck, r: DriftRule): string {
  const a = d.assessment;
  if (a.status === 'too-few-nights') return `${d.metric}: not judged (${a.nights} passing night${a.nights === 1 ? '' : 's'} with a value, the rule needs ${r.window})`;
  const change = `${num(a.first)} -> ${num(a.last)} ms${a.risePct === null ? '' : ` (${a.risePct >= 0 ? '+' : ''}${a.risePct} %)`}`;
  const missed = a.risingSteps < r.rising ? `fewer than ${r.rising} rising steps` : `rise not above ${r.minRisePct} % and ${r.minRiseMs} ms`;
  return `${d.metric}: ${a.status === 'drift' ? 'DRIFT' : `no drift (${missed})`}: rose in ${a.risingSteps} of ${a.steps} steps over the last ${a.steps + 1} passing nights, ${change}`;
}
