import type { ScheduledItem } from '../eventHeap.js';
import type { SessionRandom } from '../sessionRandom.js';
import type { OperationCode } from '../scenario.js';
import type { SessionState, SessionStore } from './sessionOperations.js';

/**
 * One simulated session: its state as the auth service would know it, and its place in the
 * scheduler. Small on purpose: 50,000+ live at once, goal under 2 KB of generator memory each.
 */
export interface SimSession extends SessionState, ScheduledItem {
  id: number;
  /** Its own random stream: think times, mix, lifetime, tokens (the same whichever partition runs it). */
  rng: SessionRandom;
  /** Which app client (auth-service instance) it uses, and that client's store. */
  clientIndex: number;
  store: SessionStore;
  /** Intended time at which it logs out. */
  endAt: number;
  alive: boolean;
  loggedIn: boolean;
  busy: boolean;
  /**
   * Actions whose intended time came while the previous one was in flight, as pairs
   * [code, intendedMs, code, intendedMs, ...]; null when none wait (the common case).
   */
  queue: number[] | null;
  /** Index in the live-session array (O(1) removal); -1 once removed. */
  slot: number;
  /**
   * The operation in flight (one at a time): its code, intended, ready and send times, and the
   * token or nonce it proposes. Kept on the session, not in a frame per operation
   * (operationExecutor.ts).
   */
  opCode: OperationCode;
  opAt: number;
  opReady: number;
  opSent: number;
  proposed: string | null;
  /** The client's connection closes when the operation in flight was sent (-1: not counted, a Cluster client). */
  sentCloses: number;
  /** The executor's reply and error handlers, made once per session. */
  onReply: ((reply: unknown) => void) | null;
  onError: ((e: unknown) => void) | null;
}
