import type { LoadResult } from '../load/loadResult.js';
import type { ChaosJudged } from './chaosGates.js';

type Generator = Pick<LoadResult['generator'], 'schedulerLagMs' | 'eventLoopDelayMs'>;
/**
 * What the generator's lateness can add to a time the harness measures: twice its longest delay
 * (scheduler lag or event-loop delay), as a stall can move both ends of it (the last write seen
 * before, the first one after).
 */
const lateBy = (g: Generator): number => 2 * Math.max(g.schedulerLagMs.max, g.eventLoopDelayMs.max);
const lateText = (ms: number): string => `twice the generator's longest delay (${Math.round(ms * 100) / 100} ms)`;
const notTheGenerators = "the breach is the target's or its clients' however late the generator was";
/** Every step struck and completed: a step that did not may be the harness's, and then nothing it measured outweighs a late generator. */
const ranInFull = (o: ChaosJudged['outcome']): boolean => o.steps.length > 0 && o.steps.every((s) => s.struck && s.outcome === 'completed');
/**
 * How long the load ran on after the last strike, when the steps ran in full and that is more than
 * `limitMs` plus the lateness: long enough that what never came (a write, a failover) was not the
 * generator's doing. Null otherwise.
 */
function ranOnPastLimit(o: ChaosJudged['outcome'], loadDurationMs: number, limitMs: number, late: number): number | null {
  if (!ranInFull(o)) return null;
  const after = loadDurationMs - Math.max(...o.steps.map((s) => s.atMs));
  return after > limitMs + late ? after : null;
}

/**
 * A write gap over its limit that a late generator cannot have made: the gap exceeds the limit by
 * more than the generator's lateness can add, or some client never wrote again although the steps
 * ran in full and the load ran on past the last strike by more than the limit and that lateness.
 * A late dispatch only moves a write; a client that ioredis ended stays ended however punctual
 * the generator is.
 */
export function writeGapBeyondGenerator(chaos: ChaosJudged, loadDurationMs: number, g: Generator): string | null {
  const gap = chaos.writeGap;
  if (!gap || gap.worstMs === undefined) return null;
  const late = lateBy(g);
  if (gap.worstMs !== null) return gap.worstMs > gap.limitMs + late ? `the write gap (${gap.worstMs} ms) exceeds its ${gap.limitMs} ms limit by more than ${lateText(late)}: ${notTheGenerators}` : null;
  const after = ranOnPastLimit(chaos.outcome, loadDurationMs, gap.limitMs, late);
  return after !== null ? `some client never wrote again in the ${Math.round(after)} ms the load ran after the strike, more than the ${gap.limitMs} ms write-gap limit and ${lateText(late)}: ${notTheGenerators}` : null;
}

/**
 * A failover that came too late or not at all, after steps that all struck and completed: the
 * sentinels (or the cluster's nodes) decide it, and the harness sees the switch late by at most
 * what its lateness adds. So it outweighs when the switch came later than the limit by more than
 * that, or never came although the load ran on past the last strike by more than both.
 */
export function failoverBeyondGenerator(chaos: ChaosJudged, loadDurationMs: number, g: Generator): string | null {
  const t = chaos.failoverTime;
  if (!t || !ranInFull(chaos.outcome)) return null;
  const late = lateBy(g);
  if (t.fromStrikeMs !== null) return t.fromStrikeMs > t.limitMs + late ? `the failover took ${t.fromStrikeMs} ms from the strike, over its ${t.limitMs} ms limit by more than ${lateText(late)}: ${notTheGenerators}` : null;
  const after = ranOnPastLimit(chaos.outcome, loadDurationMs, t.limitMs, late);
  return after !== null ? `no failover came in the ${Math.round(after)} ms the load ran after the strike, more than its ${t.limitMs} ms limit and ${lateText(late)}: ${notTheGenerators}` : null;
}

/**
 * A runbook procedure that ran in full and whose own checks failed: they read the servers' state
 * (passwords refused or accepted, logins, persisted settings, slow logs), which the generator's
 * schedule does not change.
 */
export function procedureBeyondGenerator(outcome: ChaosJudged['outcome']): string | null {
  if (outcome.checks.length === 0 || !ranInFull(outcome)) return null;
  const failed = outcome.checks.filter((c) => !c.pass);
  if (failed.length === 0) return null;
  return `the procedure ran in full and its own checks failed (${failed.map((c) => c.name).join('; ')}): they read the servers' state, which the generator's lateness does not change`;
}

/** The first breach of an experiment a late generator cannot have made, said in words; null when there is none. */
export function chaosBreachBeyondGenerator(chaos: ChaosJudged | null, loadDurationMs: number, g: Generator): string | null {
  if (!chaos) return null;
  return writeGapBeyondGenerator(chaos, loadDurationMs, g) ?? failoverBeyondGenerator(chaos, loadDurationMs, g) ?? procedureBeyondGenerator(chaos.outcome);
}
