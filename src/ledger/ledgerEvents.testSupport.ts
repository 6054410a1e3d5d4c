import type { OperationEvent } from '../load/operationEvent.js';
import type { SessionState } from '../load/session/sessionOperations.js';

/**
 * What the ledger's unit tests feed it (ledger.test.ts, recordLayout.test.ts, which must run in
 * a process of its own): short TTLs, a session's state and the operation events about it.
 */
export const ttl = { sessionMs: 60_000, refreshTokenMs: 60_000, oauthStateMs: 60_000 };

export const state = (over: Partial<SessionState> = {}): SessionState => ({ uid: 'u1', sid: 's1', family: 'f1', token: 't1', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null, ...over });

export const event = (action: OperationEvent['action'], s: SessionState, over: Partial<OperationEvent> = {}): OperationEvent => ({ session: s, client: 0, action, intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: 0, second: 1, outcome: 'ok', error: null, ...over });
