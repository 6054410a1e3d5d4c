import type { SessionRandom } from '../sessionRandom.js';
import { op, type OperationCode } from '../scenario.js';
import { replaysToken } from './sessionBehaviour.js';
import * as ops from './sessionOperations.js';
import type { OperationOutcome, SessionTtls } from './sessionOperations.js';
import type { SimSession } from './simSession.js';

/**
 * One session action, chosen by its code: the generator's per-operation switch (no lookup by
 * name). `newToken` draws the next token or nonce from the session's send-time stream.
 */
export function performOperation(s: SimSession, action: OperationCode, ttl: SessionTtls, newToken: (rng: SessionRandom) => string, tokenReuseRate: number): Promise<OperationOutcome> {
  const store = s.store;
  switch (action) {
    case op.login:
      return ops.login(store, s, ttl, Date.now());
    case op.request:
      return ops.request(store, s, ttl);
    case op.refresh:
      return ops.refresh(store, s, ttl, newToken(s.rng), replaysToken(s.rng.nextAtSend(), tokenReuseRate, s.previousToken));
    case op.oauthBegin:
      return ops.oauthBegin(store, s, ttl, newToken(s.rng));
    case op.oauthComplete:
      return ops.oauthComplete(store, s);
    case op.logout:
      return ops.logout(store, s);
    case op.revokeAll:
      return ops.revokeAll(store, s);
  }
}
