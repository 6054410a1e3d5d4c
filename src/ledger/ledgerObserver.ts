import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';
import { unknownAfterError, type Ledger } from './ledger.js';

/**
 * Feeds the ledger from the generator's operation events: what the store acknowledged, and what
 * an errored operation leaves unknown. The generator does not know the ledger exists.
 */
export class LedgerObserver implements OperationObserver {
  constructor(private readonly ledger: Ledger) {}

  onOperation(e: Readonly<OperationEvent>): void {
    const l = this.ledger;
    const s = e.session;
    if (e.error !== null) {
      const unknown = unknownAfterError(e.action);
      if (unknown === 'session-existence') l.loginIndeterminate(s.uid, s.sid, s.family, s.token, Date.now());
      else if (unknown === 'user') l.indeterminateUser(s.uid);
      else if (unknown === 'session') l.indeterminate(s.sid);
      return;
    }
    switch (e.action) {
      case 'login':
        l.loginAcked(s.uid, s.sid, s.family, s.token, Date.now());
        break;
      case 'request':
        if (e.outcome === 'ok' && s.lastRead !== null && s.lastRead !== undefined) l.touched(s.sid, s.lastRead, Date.now());
        break;
      case 'refresh':
        if (e.outcome === 'ok') l.rotated(s.sid, s.token, s.version, Date.now());
        else if (e.outcome === 'session-gone') l.rotated(s.sid, s.token, null, Date.now());
        else if (e.outcome === 'token-reuse-revoked') l.ended(s.sid);
        break;
      case 'logout':
        l.ended(s.sid);
        break;
      case 'revokeAll':
        for (const sid of s.revoked ?? []) l.ended(sid);
        s.revoked = null;
        break;
      default:
        break;
    }
  }
}
