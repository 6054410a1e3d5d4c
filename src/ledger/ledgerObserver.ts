import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';
import type { Ledger } from './ledger.js';

/**
 * Feeds the ledger from the generator's operation events: what the store acknowledged, what an
 * errored command could have changed, and what the app found missing or older. The generator does not
 * know the ledger exists; wall-clock time is read only for events the ledger keeps.
 */
export class LedgerObserver implements OperationObserver {
  constructor(private readonly ledger: Ledger) {}

  onOperation(e: Readonly<OperationEvent>): void {
    const l = this.ledger;
    const s = e.session;
    if (e.error !== null) {
      switch (e.action) {
        case 'login':
          l.loginErrored(s.uid, s.sid, s.family, s.token, Date.now());
          break;
        // Each may run later (a resent command): a refresh then finds its token rotated and
        // revokes the family as a replay would; a logout deletes the session.
        case 'refresh':
        case 'logout':
          l.mayHaveEnded(s.sid, Date.now());
          break;
        case 'revokeAll':
          l.userMayBeRevoked(s.uid, Date.now());
          break;
        case 'oauthComplete':
          l.nonceUnknown(s.sid);
          break;
        // A request only slides the expiry (the ledger keeps the earlier deadline); an errored
        // OAuth begin left no nonce the app will use.
        default:
          break;
      }
      return;
    }
    switch (e.action) {
      case 'login':
        l.loginAcked(s.uid, s.sid, s.family, s.token, Date.now());
        break;
      case 'request':
        if (e.outcome === 'ok' && s.lastRead !== null && s.lastRead !== undefined) l.touched(s.sid, s.lastRead, Date.now());
        else if (e.outcome === 'session-gone') l.observedMissing(s.sid, Date.now());
        break;
      case 'refresh':
        if (e.outcome === 'ok') l.rotated(s.sid, s.token, s.version, Date.now());
        else if (e.outcome === 'session-gone') {
          const now = Date.now();
          l.rotated(s.sid, s.token, null, now);
          l.observedMissing(s.sid, now);
        } else if (e.outcome === 'token-reuse-revoked') l.ended(s.sid, Date.now());
        else if (e.outcome === 'token-rejected') l.observedMissing(s.sid, Date.now());
        break;
      case 'oauthBegin':
        if (s.oauthNonce) l.nonceBegun(s.sid, s.oauthNonce, Date.now());
        break;
      case 'oauthComplete':
        if (e.outcome === 'ok' && s.consumedNonce) l.nonceConsumed(s.sid, s.consumedNonce);
        // Found no state, and no resent GETDEL can have consumed it first.
        else if (e.outcome === 'oauth-state-lost' && s.consumedNonce) l.nonceFoundMissing(s.sid, s.consumedNonce, Date.now());
        else l.nonceUnknown(s.sid);
        break;
      case 'logout': {
        const now = Date.now();
        if (e.outcome === 'session-gone') l.logoutFoundGone(s.sid, now);
        l.ended(s.sid, now);
        break;
      }
      case 'revokeAll': {
        const now = Date.now();
        for (const sid of s.revoked ?? []) l.ended(sid, now);
        s.revoked = null;
        break;
      }
    }
  }
}
