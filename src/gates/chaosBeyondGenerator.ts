import type { ChaosOutcome } from '../chaos/chaosRunner.js';
import type { LoadResult } from '../load/loadResult.js';
import type { JudgedFailoverTime, JudgedWriteGap } from './chaosGates.js';

/** What an experiment measured that a late generator might be blamed for. */
export interface ChaosJudged {
  outcome: Pick<ChaosOutcome, 'steps' | 'checks'>;
  writeGap: JudgedWriteGap | null;
  failoverTime: JudgedFailoverTime | null;
}

type Generator = Pick<LoadResult['generator'], 'schedulerLagMs' | 'eventLoopDelayMs'>;
const longestDelay = (g: Generator): number => Math.max(g.schedulerLagMs.max, g.eventLoopDelayMs.max);
const late = (longest: number): string => `the generator's longest delay (${Math.round(longest * 100) / 100} ms)`;
const whoseever = "the breach is the target's or its clients' however late the generator was";
/** Every step struck and completed: a step that did not may be the harness's, and then nothing it measured outweighs a late generator. */
const ranInFull = (o: ChaosJudged['outcome']): boolean => o.steps.every((s) => s.struck && s.outcome === 'completed');

/**
 * A write gap over its limit that a late generator cannot have made: some client never wrote
 * again although the generator was never late by as much as the limit, or the gap exceeds the
 * limit by more than the generator's longest delay (scheduler lag or event-loop delay). A late
 * dispatch only moves a write by that delay; a client that ioredis ended stays ended however
 * punctual the generator is.
 */
export function writeGapBeyondGenerator(gap: JudgedWriteGap | null, g: Generator): string | null {
  if (!gap || gap.worstMs === undefined) return null;
  const longest = longestDelay(g);
  if (gap.worstMs === null) return longest < gap.limitMs ? `some client never wrote again, and ${late(longest)} is below the ${gap.limitMs} ms write-gap limit: ${whoseever}` : null;
  if (gap.worstMs <= gap.limitMs + longest) return null;
  return `the write gap (${gap.worstMs} ms) exceeds its ${gap.limitMs} ms limit by more than ${late(longest)}: ${whoseever}`;
}

/**
 * A failover that came too late or not at all, after steps that all struck and completed: the
 * sentinels (or the cluster's nodes) decide it, and the harness only sees the switch later by at
 * most its longest delay. So it outweighs when the switch came later than the limit by more than
 * that delay, or never came although the load ran on past the last strike by more than both.
 */
export function failoverBeyondGenerator(chaos: ChaosJudged, loadDurationMs: number, g: Generator): string | null {
  const t = chaos.failoverTime;
  if (!t || !ranInFull(chaos.outcome)) return null;
  const longest = longestDelay(g);
  if (t.fromStrikeMs !== null) return t.fromStrikeMs > t.limitMs + longest ? `the failover took ${t.fromStrikeMs} ms from the strike, over its ${t.limitMs} ms limit by more than ${late(longest)}: ${whoseever}` : null;
  const lastStrikeMs = Math.max(...chaos.outcome.steps.map((s) => s.atMs));
  const after = loadDurationMs - lastStrikeMs;
  return after > t.limitMs + longest ? `no failover came in the ${Math.round(after)} ms the load ran after the strike, more than its ${t.limitMs} ms limit and ${late(longest)}: ${whoseever}` : null;
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
  return writeGapBeyondGenerator(chaos.writeGap, g) ?? failoverBeyondGenerator(chaos, loadDurationMs, g) ?? procedureBeyondGenerator(chaos.outcome);
}
