import type { FailoverFigures } from '../failover/failoverReport.js';
import type { Gate } from './gate.js';
import type { RecoveryRecord } from '../failover/windowRecovery.js';

/** The goal every failover is held to when nothing tighter is known: under 30 s. */
export const failoverGoalMs = 30_000;

export interface FailoverGateInputs {
  figures: FailoverFigures;
  /** Operations (and errors) counted in each chaos window, in the order of `figures.recoveries`. */
  byWindow: Array<{ ops: number; errors: number }>;
  /** The share of errors allowed in a window (after its failover's outage, for a failover window). */
  maxErrorRateInWindow: number;
}

/**
 * Errors inside chaos windows against their budget. A window whose recovery needs a failover of
 * its own is judged from the second its outage ended (the master switch seen and every client
 * writing again: `afterOutage`): before that, every write fails by design for
 * as long as the sentinels take (down-after-milliseconds and an election), and that outage has
 * its own gates (failover time, write gap). Judging the whole window instead made a failover well
 * within its goals fail whenever it outlasted the three recovery seconds that close the window.
 */
function windowErrorGate(recoveries: RecoveryRecord[], byWindow: Array<{ ops: number; errors: number }>, maxRate: number): Gate {
  let ops = 0;
  let errors = 0;
  let wholeOps = 0;
  let wholeErrors = 0;
  for (let k = 0; k < recoveries.length; k++) {
    const whole = byWindow[k] ?? { ops: 0, errors: 0 };
    const judged = recoveries[k]!.afterOutage ?? whole;
    ops += judged.ops;
    errors += judged.errors;
    wholeOps += whole.ops;
    wholeErrors += whole.errors;
  }
  const rate = ops ? errors / ops : 0;
  const outages = recoveries.some((r) => r.afterOutage !== null);
  return {
    name: 'error rate inside chaos windows',
    kind: 'errors',
    limit: `<= ${(maxRate * 100).toFixed(1)} %${outages ? ' (failover windows: from the end of their outage)' : ''}`,
    actual: `${(rate * 100).toFixed(2)} % (${errors} of ${ops})${outages ? `; whole windows ${wholeErrors} of ${wholeOps}, the outages judged by the failover gates` : ''}`,
    pass: rate <= maxRate,
  };
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
  if (f.recoveries.length > 0) gates.push(windowErrorGate(f.recoveries, i.byWindow, i.maxErrorRateInWindow));
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
