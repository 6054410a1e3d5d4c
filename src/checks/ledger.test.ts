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
