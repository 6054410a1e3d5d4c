import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from './verifyLedger.js';
import type { LedgerRecord } from './ledger.js';

const now = 1_000_000;
const rec = (over: Partial<LedgerRecord> = {}): LedgerRecord => ({
  uid: 'u1', sid: 's1', family: 'f1', token: 't2', version: 3, familyGen: 2, sessionDeleted: false, familyRevoked: false,
  sessionExpiresAt: now + 60_000, familyExpiresAt: now + 60_000, indeterminate: false, ...over,
});
const seen = (v: number | null, gen: number | null, state: string | null, tok = true) => ({ session: { version: v }, family: { gen, state }, tokenExists: tok });
const findings = (r: LedgerRecord, s: ReturnType<typeof seen>) => classify(r, s, now).map((f) => f.finding);

test('everything acknowledged is there: ok', () => {
  assert.deepEqual(findings(rec(), seen(3, 2, 'active')), ['ok', 'ok', 'ok']);
  assert.deepEqual(findings(rec(), seen(4, 3, 'active')), ['ok', 'ok', 'ok'], 'newer is fine');
});

test('a missing or older session, family or token is lost', () => {
  assert.deepEqual(findings(rec(), seen(null, 2, 'active')), ['lost', 'ok', 'ok']);
  assert.deepEqual(findings(rec(), seen(2, 1, 'active', false)), ['lost', 'lost', 'lost']);
});

test('an acknowledged delete or revocation found again is resurrected', () => {
  assert.deepEqual(findings(rec({ sessionDeleted: true, familyRevoked: true }), seen(3, 2, 'active')), ['resurrected', 'resurrected']);
  assert.deepEqual(findings(rec({ sessionDeleted: true, familyRevoked: true }), seen(null, 2, 'revoked')), ['ok', 'ok']);
});

test('keys whose TTL passed are not losses, and errored operations are indeterminate', () => {
  assert.deepEqual(findings(rec({ sessionExpiresAt: now - 1, familyExpiresAt: now - 1 }), seen(null, null, null, false)), ['expired', 'expired']);
  assert.deepEqual(findings(rec({ indeterminate: true }), seen(null, null, null, false)), ['indeterminate']);
});
