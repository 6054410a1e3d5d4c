import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from './ledger.js';

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
