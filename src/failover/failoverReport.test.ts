import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmFromLedger } from './failoverReport.js';
import { Ledger } from '../ledger/ledger.js';

const ttl = { sessionMs: 1_800_000, refreshTokenMs: 7_200_000, oauthStateMs: 300_000 };

function ledgerWith(found: { version: number | null; familyGen: number | null }, acked: { version: number; deleted?: boolean }): Ledger {
  const l = new Ledger(ttl);
  l.loginAcked('u', 's', 'f', 't', 1000);
  for (let v = 2; v <= acked.version; v++) l.rotated('s', `t${v}`, v, 1000 + v);
  if (acked.deleted) l.ended('s', 2000);
  const r = l.records.get('s')!;
  r.foundVersion = found.version;
  r.foundFamilyGen = found.familyGen;
  return l;
}

test('a write is confirmed by its session at or above its version, and refused below it', () => {
  assert.equal(confirmFromLedger(ledgerWith({ version: 3, familyGen: 3 }, { version: 3 }))('s', 3), true);
  assert.equal(confirmFromLedger(ledgerWith({ version: 2, familyGen: 2 }, { version: 3 }))('s', 3), false);
});

test('a session that logged out since is judged by its revoked family: the ramp-down ends every session', () => {
  assert.equal(confirmFromLedger(ledgerWith({ version: null, familyGen: 3 }, { version: 3, deleted: true }))('s', 3), true);
  // The family behind the write (its generation was lost with it): not confirmed.
  assert.equal(confirmFromLedger(ledgerWith({ version: null, familyGen: 2 }, { version: 3, deleted: true }))('s', 3), null);
  assert.equal(confirmFromLedger(ledgerWith({ version: null, familyGen: null }, { version: 3, deleted: true }))('s', 3), null);
});

test('an unverified ledger confirms nothing', () => {
  const l = new Ledger(ttl);
  l.loginAcked('u', 's', 'f', 't', 1000);
  assert.equal(confirmFromLedger(l)('s', 1), null);
});
