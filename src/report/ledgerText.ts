import type { Summary } from './summarySchema.js';
import { ledgerVerifiedGateName } from '../gates/ledgerGates.js';

/** The verification pass was asked for and failed; its gate says why. */
export function ledgerVerificationFailed(s: Summary): boolean {
  return s.thresholds.some((g) => g.name === ledgerVerifiedGateName && !g.pass);
}

/** Why a run has no ledger figures: verification was asked for and failed (the gate says why), or skipped. */
export function ledgerNotVerified(s: Summary): string {
  const gate = s.thresholds.find((g) => g.name === ledgerVerifiedGateName && !g.pass);
  return gate ? `not verified: ${gate.actual}` : 'not verified (--no-verify)';
}
