import type { FailoverFigures } from '../failover/failoverReport.js';
import type { Gate } from './gate.js';

/** The goal every failover is held to when nothing tighter is known: under 30 s. */
export const failoverGoalMs = 30_000;

export interface FailoverGateInputs {
  figures: FailoverFigures;
  /** Operations (and errors) inside chaos windows, and the share of errors allowed there. */
  excluded: { ops: number; errors: number };
  maxErrorRateInWindow: number;
}

/**
 * Gates on what happened inside chaos windows, whoever caused them: each window must close by
 * recovery within its limit, errors inside windows stay within their budget, and a failover that
 * happened outside gauntlet (a person, a provider's test failover) is held to the 30 s goal for
 * both the sentinels' switch and the clients' write gap.
 */
export function failoverGates(i: FailoverGateInputs): Gate[] {
  const f = i.figures;
  const gates: Gate[] = [];
  for (const r of f.recoveries) {
    if (r.maxMs === null) continue;
    const at = `at ${(r.startMs / 1000).toFixed(1)} s`;
    gates.push({
      name: `${r.label} ${at}: recovered (fault over, failover done, p99 under budget 3 s running)`,
      kind: 'availability',
      limit: `within ${r.maxMs / 1000} s`,
      actual: r.recoveredAtMs !== null ? `in ${((r.recoveredAtMs - r.startMs) / 1000).toFixed(1)} s` : r.exceeded ? `did not recover within ${r.maxMs / 1000} s` : 'did not recover before the run ended',
      pass: r.recoveredAtMs !== null,
    });
  }
  if (f.recoveries.length > 0) {
    const rate = i.excluded.ops ? i.excluded.errors / i.excluded.ops : 0;
    gates.push({
      name: 'error rate inside chaos windows',
      kind: 'errors',
      limit: `<= ${(i.maxErrorRateInWindow * 100).toFixed(1)} %`,
      actual: `${(rate * 100).toFixed(2)} % (${i.excluded.errors} of ${i.excluded.ops})`,
      pass: rate <= i.maxErrorRateInWindow,
    });
  }
  for (const s of f.switches.filter((x) => x.cause === null)) {
    const at = `at ${(s.atMs / 1000).toFixed(1)} s`;
    gates.push({
      name: `failover outside gauntlet ${at}: sentinels' +sdown to +switch-master`,
      kind: 'availability',
      limit: `<= ${failoverGoalMs} ms`,
      actual: s.sdownToSwitchMs === null ? 'no +sdown seen (timed by the clients below)' : `${s.sdownToSwitchMs} ms`,
      pass: s.sdownToSwitchMs === null || s.sdownToSwitchMs <= failoverGoalMs,
    });
    const gap = s.markIndex === null ? undefined : f.gaps[s.markIndex];
    gates.push({
      name: `failover outside gauntlet ${at}: client-observed write unavailability (worst client)`,
      kind: 'availability',
      limit: `<= ${failoverGoalMs} ms`,
      actual: gap === undefined ? 'not measured' : gap.maxMs === null ? 'unbounded: some client never wrote again' : `${gap.maxMs} ms (to the first ${gap.endsAt})`,
      pass: gap !== undefined && gap.maxMs !== null && gap.maxMs <= failoverGoalMs,
    });
  }
  return gates;
}
