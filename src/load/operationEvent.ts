import type { ErrorKind } from './errorKinds.js';
import type { OperationName } from './scenario.js';
import type { OperationOutcome, SessionState } from './session/sessionOperations.js';

/**
 * One completed session operation, as observers see it (the ledger, write availability, live
 * metrics). The engine reuses one event object for every operation, so nothing is allocated on
 * the generator's hottest path: an observer must copy what it keeps, and never hold the object.
 * Times are ms since the run started.
 */
export interface OperationEvent {
  /** The generator's state of the session (after the operation); read it, never keep it. */
  session: SessionState;
  /** Which app client (auth-service instance) sent it. */
  client: number;
  action: OperationName;
  intendedMs: number;
  /**
   * When the session could act: its intended time, or its previous operation's reply when that
   * came later (one tab does one thing at a time). A wait for the in-flight limit comes after it:
   * between ready and sent, the generator's own queueing.
   */
  readyMs: number;
  sentMs: number;
  doneMs: number;
  /** The run second it completed in, as the engine's recorder and generator monitor count them (1 = the first). */
  second: number;
  outcome: OperationOutcome;
  error: ErrorKind | null;
}

export interface OperationObserver {
  onOperation(e: Readonly<OperationEvent>): void;
}
