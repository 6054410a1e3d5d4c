import type { LedgerReport } from '../ledger/verifyLedger.js';
import type { Gate } from './gate.js';

/** What the verification pass found: nothing acknowledged lost, nothing deleted or revoked back. */
export function ledgerGates(l: LedgerReport): Gate[] {
  return [
    { name: 'acknowledged writes lost', kind: 'correctness', limit: '0', actual: String(l.lost), pass: l.lost === 0 },
    { name: 'deletes/revocations resurrected', kind: 'correctness', limit: '0', actual: String(l.resurrected), pass: l.resurrected === 0 },
  ];
}
