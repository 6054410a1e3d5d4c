import type { LedgerReport } from '../ledger/verifyLedger.js';
import type { Gate } from './gate.js';

/** The gate a failed verification pass becomes; reports look it up by this name. */
export const ledgerVerifiedGateName = 'acknowledged writes verified';

const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

/**
 * What the verification pass found: nothing acknowledged lost (including what the app found
 * missing during the run), nothing deleted or revoked back, and few enough facts left
 * unverifiable by errors that the ledger could look at all.
 */
export function ledgerGates(l: LedgerReport | { error: string }, maxUnverifiableShare: number): Gate[] {
  if ('error' in l) return [{ name: ledgerVerifiedGateName, kind: 'correctness', limit: 'every ledger key read back from the master', actual: l.error, pass: false }];
  return [
    { name: 'acknowledged writes lost', kind: 'correctness', limit: '0', actual: l.lostObservedLive ? `${l.lost} (${l.lostObservedLive} of them found missing or older by the app during the run)` : String(l.lost), pass: l.lost === 0 },
    { name: 'deletes/revocations resurrected', kind: 'correctness', limit: '0', actual: String(l.resurrected), pass: l.resurrected === 0 },
    {
      name: 'acknowledged writes verifiable (ledger coverage)',
      kind: 'correctness',
      limit: `<= ${pct(maxUnverifiableShare)} of facts unverifiable`,
      actual: `${pct(l.unverifiableShare)} (${l.unverifiable} of ${l.keysChecked + l.unverifiable} facts left unverifiable by errored commands)`,
      pass: l.unverifiableShare <= maxUnverifiableShare,
    },
  ];
}
