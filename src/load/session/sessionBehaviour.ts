import { op, type OperationCode } from '../scenario.js';
import type { OperationOutcome } from './sessionOperations.js';

/**
 * What a session does, as a pure state machine (unit-tested without servers): the engine asks
 * it what comes next and how to react to what an operation found; it never touches Redis.
 * Operations are codes (`op`), so the generator's per-operation path compares numbers.
 */

/** The scenario mix's keys, and the operation each starts. */
export const mixKeys = ['request', 'refresh', 'oauth', 'revokeAll'] as const;
export type MixKey = (typeof mixKeys)[number];
const mixOperation: readonly OperationCode[] = [op.request, op.refresh, op.oauthBegin, op.revokeAll];

/** The next action of a logged-in session intended at `at`; `pickMix` draws an index into `mixKeys`. */
export function nextAction(s: { endAt: number; oauthNonce: string | null }, at: number, pickMix: () => number): OperationCode {
  if (at >= s.endAt) return op.logout;
  // An OAuth flow that began is completed next, as a browser returning from the provider would.
  if (s.oauthNonce) return op.oauthComplete;
  return mixOperation[pickMix()]!;
}

/**
 * After an operation, does the session end? Logging out ends it as planned; a revoke-all, a
 * session found gone or a token rejected ends it the way an app would (the user must log in
 * again), and the population controller replaces it with a new arrival.
 */
export function endsSession(action: OperationCode, outcome: OperationOutcome, failed: boolean): 'no' | 'logged-out' | 'replace' {
  if (action === op.logout) return 'logged-out';
  // A revoke-all that errored may have run: the app treats the session as gone either way.
  if (action === op.revokeAll) return 'replace';
  if (failed) return 'no';
  if (outcome === 'session-gone' || outcome === 'token-reuse-revoked' || outcome === 'token-rejected') return 'replace';
  return 'no';
}

/** A refresh replays the rotated token (as a thief would) at the scenario's reuse rate, once there is one. */
export function replaysToken(draw: number, reuseRate: number, previousToken: string | null): boolean {
  return previousToken !== null && draw < reuseRate;
}
