import type { SessionRandom } from '../sessionRandom.js';
import { op, type OperationCode } from '../scenario.js';
import { replaysToken } from './sessionBehaviour.js';
import * as ops from './sessionOperations.js';
import type { OperationOutcome, SessionTtls } from './sessionOperations.js';
import type { SimSession } from './simSession.js';

/**
 * One session action, chosen by its code: the generator's per-operation switch (no lookup by
 * name). `newToken` draws the next token or nonce from the session's send-time stream; the
 * session keeps it (`proposed`) until the reply says whether it took. Null: nothing was sent
 * (an OAuth callback with no state to present).
 */
export function sendOperation(s: SimSession, action: OperationCode, ttl: SessionTtls, newToken: (rng: SessionRandom) => string, tokenReuseRate: number): Promise<unknown> | null {
  const store = s.store;
  switch (action) {
    case op.login:
      return ops.sendLogin(store, s, ttl, Date.now());
    case op.request:
      return ops.sendRequest(store, s, ttl);
    case op.refresh:
      s.proposed = newToken(s.rng);
      return ops.sendRefresh(store, s, ttl, s.proposed, replaysToken(s.rng.nextAtSend(), tokenReuseRate, s.previousToken));
    case op.oauthBegin:
      s.proposed = newToken(s.rng);
      return ops.sendOauthBegin(store, s, ttl, s.proposed);
    case op.oauthComplete:
      s.sentCloses = store.link ? store.link.closes : -1;
      return ops.sendOauthComplete(store, s);
    case op.logout:
      return ops.sendLogout(store, s);
    case op.revokeAll:
      return ops.sendRevokeAll(store, s);
  }
}

/** What the reply to the session's operation in flight means, read into the session. Throws when the reply is not an acknowledgement. */
export function settleOperation(s: SimSession, action: OperationCode, reply: unknown): OperationOutcome {
  switch (action) {
    case op.login:
      return ops.settleLogin(s);
    case op.request:
      return ops.settleRequest(s, reply);
    case op.refresh:
      return ops.settleRefresh(s, reply, s.proposed!);
    case op.oauthBegin:
      return ops.settleOauthBegin(s, reply, s.proposed!);
    case op.oauthComplete:
      return ops.settleOauthComplete(s, reply, s.store.link?.closes === s.sentCloses);
    case op.logout:
      return ops.settleLogout(reply);
    case op.revokeAll:
      return ops.settleRevokeAll(s, reply);
  }
  return 'ok';
}
