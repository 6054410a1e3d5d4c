import type { ErrorKind } from '../load/errorKinds.js';
import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';
import { op, operationNames } from '../load/scenario.js';
import type { OperationOutcome, SessionState } from '../load/session/sessionOperations.js';

/**
 * Completed operations of a worker, batched for its parent: what the parent's observers read
 * (the clients' write gaps for failover timing, live metrics). Numbers in one typed array,
 * action and outcome in one byte each, strings only for the session's ids; errors are rare and
 * listed apart.
 */
export interface OperationBatch {
  count: number;
  /** Per operation: client (run-wide number), intendedMs, sentMs, doneMs, session version, readyMs, the worker's second it completed in. */
  numbers: Float64Array;
  /** Per operation: action code | outcome code << 3. */
  codes: Uint8Array;
  /** [operation index, error kind] of the operations that failed. */
  errors: Array<[number, ErrorKind]>;
  /** [operation index, nonce] of the OAuth operations that kept or consumed one (a cluster's shard of the operation is the nonce's). */
  nonces: Array<[number, string]>;
  sids: string[];
  uids: string[];
}

const fields = 7;
const outcomes = ['ok', 'session-gone', 'token-reuse-revoked', 'token-rejected', 'oauth-state-missing', 'oauth-state-lost'] as const satisfies readonly OperationOutcome[];
const outcomeCode = new Map<string, number>(outcomes.map((o, i) => [o, i]));

/** What a worker's engine tells: batches of at most `size` operations, flushed when full or when asked. */
export class OperationStreamWriter implements OperationObserver {
  private batch: OperationBatch;

  constructor(
    private readonly clientNumber: (local: number) => number,
    private readonly send: (b: OperationBatch) => void,
    private readonly size = 1024,
  ) {
    this.batch = this.empty();
  }

  private empty(): OperationBatch {
    return { count: 0, numbers: new Float64Array(this.size * fields), codes: new Uint8Array(this.size), errors: [], nonces: [], sids: [], uids: [] };
  }

  onOperation(e: Readonly<OperationEvent>): void {
    const b = this.batch;
    const i = b.count++;
    const k = i * fields;
    b.numbers[k] = this.clientNumber(e.client);
    b.numbers[k + 1] = e.intendedMs;
    b.numbers[k + 2] = e.sentMs;
    b.numbers[k + 3] = e.doneMs;
    b.numbers[k + 4] = e.session.version;
    b.numbers[k + 5] = e.readyMs;
    b.numbers[k + 6] = e.second;
    b.codes[i] = op[e.action] | ((outcomeCode.get(e.outcome) ?? 0) << 3);
    if (e.error !== null) b.errors.push([i, e.error]);
    const nonce = e.action === 'oauthBegin' ? e.session.oauthNonce : e.action === 'oauthComplete' ? e.session.consumedNonce : null;
    if (nonce) b.nonces.push([i, nonce]);
    b.sids.push(e.session.sid);
    b.uids.push(e.session.uid);
    if (b.count === this.size) this.flush();
  }

  flush(): void {
    if (this.batch.count === 0) return;
    this.send(this.batch);
    this.batch = this.empty();
  }
}

/**
 * Tells `observers` about every operation of a batch, as the engine would: one reused event, its
 * session carrying the ids, the version and an OAuth operation's nonce (observers in the parent
 * see no more of a session).
 */
export function replayBatch(b: OperationBatch, observers: readonly OperationObserver[]): void {
  if (observers.length === 0) return;
  const session: SessionState = { uid: '', sid: '', family: '', token: '', previousToken: null, version: 0, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null };
  const e: OperationEvent = { session, client: 0, action: 'login', intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: 0, second: 1, outcome: 'ok', error: null };
  let nextError = 0;
  let nextNonce = 0;
  for (let i = 0; i < b.count; i++) {
    const k = i * fields;
    session.sid = b.sids[i]!;
    session.uid = b.uids[i]!;
    session.version = b.numbers[k + 4]!;
    e.client = b.numbers[k]!;
    e.intendedMs = b.numbers[k + 1]!;
    e.sentMs = b.numbers[k + 2]!;
    e.doneMs = b.numbers[k + 3]!;
    e.readyMs = b.numbers[k + 5]!;
    e.second = b.numbers[k + 6]!;
    e.action = operationNames[b.codes[i]! & 7]!;
    e.outcome = outcomes[b.codes[i]! >> 3]!;
    const err = b.errors[nextError];
    if (err && err[0] === i) {
      e.error = err[1];
      nextError++;
    } else e.error = null;
    const nonce = b.nonces[nextNonce];
    const hasNonce = nonce !== undefined && nonce[0] === i;
    if (hasNonce) nextNonce++;
    session.oauthNonce = hasNonce && e.action === 'oauthBegin' ? nonce[1] : null;
    session.consumedNonce = hasNonce && e.action === 'oauthComplete' ? nonce[1] : null;
    for (const o of observers) o.onOperation(e);
  }
}
