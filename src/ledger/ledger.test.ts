import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger, unknownAfterError } from './ledger.js';
import { classify } from './verifyLedger.js';

test("a revoke-all seen before a sibling session's login acknowledgement still ends that session", () => {
  const l = new Ledger({ sessionMs: 60_000, refreshTokenMs: 60_000 });
  l.ended('s2'); // revoke-all (connection A) reports s2, whose login ack (connection B) is not in yet
  l.loginAcked('u1', 's2', 'f2', 't', Date.now());
  l.loginAcked('u1', 's3', 'f3', 't', Date.now());
  assert.equal(l.records.get('s2')!.sessionDeleted, true);
  assert.equal(l.records.get('s2')!.familyRevoked, true);
  assert.equal(l.records.get('s3')!.sessionDeleted, false, 'only the session the revoke-all named');
});

test("a revoke-all that errored makes every session of that user indeterminate, and no other", () => {
  const l = new Ledger({ sessionMs: 60_000, refreshTokenMs: 60_000 });
  l.loginAcked('u1', 'a', 'fa', 't', Date.now());
  l.loginAcked('u1', 'b', 'fb', 't', Date.now());
  l.loginAcked('u2', 'c', 'fc', 't', Date.now());
  l.indeterminateUser('u1');
  assert.deepEqual([...l.records.values()].map((r) => [r.sid, r.indeterminate]), [['a', true], ['b', true], ['c', false]]);
});

test('an errored request leaves the session checkable: whether or not Redis ran it, never a false loss', () => {
  assert.equal(unknownAfterError('request'), 'nothing');
  assert.equal(unknownAfterError('refresh'), 'session');
  const l = new Ledger({ sessionMs: 10_000, refreshTokenMs: 60_000 });
  const t0 = 1_000_000;
  l.loginAcked('u1', 's1', 'f1', 't1', t0);
  const r = l.records.get('s1')!;
  const present = { session: { version: 1 }, family: { gen: 1, state: 'active' }, tokenExists: true };
  const absent = { session: { version: null }, family: { gen: 1, state: 'active' }, tokenExists: true };
  // Ran (expiry slid): the key is still there after the old deadline.
  assert.equal(classify(r, present, t0 + 5_000)[0]!.finding, 'ok');
  // Did not run: the key expired at the old deadline, which the ledger still holds.
  assert.equal(classify(r, absent, t0 + 12_000)[0]!.finding, 'expired');
  // Before the old deadline a missing key is a loss either way.
  assert.equal(classify(r, absent, t0 + 5_000)[0]!.finding, 'lost');
});
