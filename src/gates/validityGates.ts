import { breachBeyondGenerator, type Attribution } from '../attribution/latencyAttribution.js';
import type { LoadResult } from '../load/loadResult.js';
import type { ChaosOutcome } from '../chaos/chaosRunner.js';
import type { JudgedWriteGap } from './chaosGates.js';
import type { Gate } from './gate.js';

/** The gate a generator that fell behind its schedule fails (what makes a run `invalid`). */
export const keptScheduleGate = 'generator kept up with its schedule';

/**
 * A write gap over its limit that a late generator cannot have made: some client never wrote
 * again although the generator was never late by as much as the limit, or the gap exceeds the
 * limit by more than the generator's longest delay (scheduler lag or event-loop delay). A late
 * dispatch only moves a write by that delay; a client that ioredis ended stays ended however
 * punctual the generator is.
 */
export function writeGapBeyondGenerator(gap: JudgedWriteGap | null, g: Pick<LoadResult['generator'], 'schedulerLagMs' | 'eventLoopDelayMs'>): string | null {
  if (!gap || gap.worstMs === undefined) return null;
  const longest = Math.max(g.schedulerLagMs.max, g.eventLoopDelayMs.max);
  const late = `the generator's longest delay (${Math.round(longest * 100) / 100} ms)`;
  if (gap.worstMs === null) return longest < gap.limitMs ? `some client never wrote again, and ${late} is below the ${gap.limitMs} ms write-gap limit: the breach is the target's or its clients' however late the generator was` : null;
  if (gap.worstMs <= gap.limitMs + longest) return null;
  return `the write gap (${gap.worstMs} ms) exceeds its ${gap.limitMs} ms limit by more than ${late}: the breach is the target's or its clients' however late the generator was`;
}

/**
 * A runbook procedure that ran in full (every step struck and completed) and whose own checks
 * failed: they read the servers' state (passwords refused or accepted, logins, persisted
 * settings, slow logs), which the generator's schedule does not change. A step that did not run
 * or complete may be the harness's, so it outweighs nothing.
 */
export function procedureBeyondGenerator(chaos: Pick<ChaosOutcome, 'steps' | 'checks'> | null): string | null {
  if (!chaos || chaos.checks.length === 0 || !chaos.steps.every((s) => s.struck && s.outcome === 'completed')) return null;
  const failed = chaos.checks.filter((c) => !c.pass);
  if (failed.length === 0) return null;
  return `the procedure ran in full and its own checks failed (${failed.map((c) => c.name).join('; ')}): they read the servers' state, which the generator's lateness does not change`;
}

/**
 * Could the harness measure? The generator kept its schedule (scheduler lag per dispatch within
 * 10 % of the p99 budget unless the scenario says otherwise), a latency breach is not the
 * generator's own stalls, and the run went to its end. A late generator does not decide the
 * verdict when the figures show a breach it cannot have made (reply times, or a write gap, beyond
 * its longest delay; a procedure's failed checks): the run then fails on that breach, and the lag
 * gate still shows.
 */
export function validityGates(load: Pick<LoadResult, 'generator' | 'aborted' | 'durationMs'>, plannedMs: number, abortReason: string | null, attribution: Attribution | null, chaos: { outcome: Pick<ChaosOutcome, 'steps' | 'checks'>; writeGap: JudgedWriteGap | null } | null = null): Gate[] {
  const g = load.generator;
  const cause = attribution?.cause ?? null;
  const beyond = g.saturated ? ((attribution ? breachBeyondGenerator(attribution) : null) ?? writeGapBeyondGenerator(chaos?.writeGap ?? null, g) ?? procedureBeyondGenerator(chaos?.outcome ?? null)) : null;
  const lag = g.reason ?? `scheduler lag p99 ${g.schedulerLagOutsideChaosMs.p99} ms outside chaos windows`;
  return [
    {
      name: keptScheduleGate,
      kind: 'validity',
      limit: `scheduler lag p99 outside chaos windows <= ${g.maxSchedulerLagP99Ms} ms`,
      actual: beyond ? `${lag}; not decisive: ${beyond}` : lag,
      pass: !g.saturated,
      ...(beyond ? { outweighed: beyond } : {}),
    },
    {
      name: "a latency breach is the target's time, not the generator's",
      kind: 'validity',
      limit: 'the generator neither stalled nor queued its way over the p99 budget',
      actual: cause === null ? 'no breach' : cause.who === 'generator' ? `the generator's: ${cause.why}` : `${cause.who}: ${cause.why}`,
      pass: cause?.who !== 'generator',
    },
    {
      name: 'the run went to the end of its schedule',
      kind: 'validity',
      limit: `${(plannedMs / 1000).toFixed(0)} s`,
      actual: load.aborted ? `stopped early at ${(load.durationMs / 1000).toFixed(1)} s${abortReason ? ` (${abortReason})` : ''}: a run that did not finish cannot pass; rerun it` : 'completed',
      pass: !load.aborted,
    },
  ];
}
