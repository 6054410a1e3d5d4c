import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, classifyNonce, classifyNonceFoundMissing, type ClassifyContext, type KeyObservation } from './verifyLedger.js';
import type { LedgerRecord } from './ledger.js';

const now = 1_000_000;
const rec = (over: Partial<LedgerRecord> = {}): LedgerRecord => ({
  uid: 'u1', sid: 's1', family: 'f1', token: 't2', version: 3, familyGen: 2, sessionDeleted: false, familyRevoked: false, endUncertainAt: 0, mayNotExist: false, loginErrorAt: 0, provenAt: now - 1000,
  sessionExpiresAt: now + 60_000, familyExpiresAt: now + 60_000, observedMissingAt: 0, logoutFoundGone: null, observedOlderAt: 0, observedOlder: null, lastAckAt: now - 1000, pendingNonce: null, nonceExpiresAt: 0, ...over,
});
const seen = (v: number | null, gen: number | null, state: string | null, tok = true, member = true): KeyObservation => ({ session: { version: v }, family: { gen, state }, tokenExists: tok, member });
const ctx = (over: Partial<ClassifyContext> = {}): ClassifyContext => ({ now, mayBeEnded: false, setExpiresAt: now + 60_000, liveEvidence: true, ...over });
const findings = (r: LedgerRecord, s: KeyObservation, c = ctx()) => classify(r, s, c).map((x) => x.finding);

test('everything acknowledged is there: ok (session, family, token, set membership)', () => {
  assert.deepEqual(findings(rec(), seen(3, 2, 'active')), ['ok', 'ok', 'ok', 'ok']);
  assert.deepEqual(findings(rec(), seen(4, 3, 'active')), ['ok', 'ok', 'ok', 'ok'], 'newer is fine');
});

test('a missing or older session, family, token or membership is lost', () => {
  assert.deepEqual(findings(rec(), seen(null, 2, 'active')), ['lost', 'ok', 'ok', 'ok']);
  assert.deepEqual(findings(rec(), seen(2, 1, 'active', false, false)), ['lost', 'lost', 'lost', 'lost']);
});

test('a session the app found older than acknowledged is lost, though later writes or its end hide it from the pass', () => {
  const older = rec({ observedOlderAt: now - 30_000, observedOlder: { acknowledged: 3, ackedAt: now - 40_000, found: 2 }, version: 5 });
  const found = classify(older, seen(5, 4, 'active'), ctx());
  assert.deepEqual(found.map((x) => x.finding), ['lost', 'ok', 'ok', 'ok']);
  assert.equal(found[0]!.observedLive, true);
  assert.match(found[0]!.found, /^v=5 now; the app found v=2 at /);
  assert.deepEqual(findings({ ...older, sessionDeleted: true, familyRevoked: true }, seen(null, 4, 'revoked', true, false)), ['lost', 'ok', 'ok', 'ok'], 'ended since');
  assert.deepEqual(findings(older, seen(5, 4, 'active'), ctx({ liveEvidence: false })), ['ok', 'ok', 'ok', 'ok'], 'a restore checked against a snapshot counts only what it finds');
});

test('an acknowledged delete or revocation found again is resurrected, and so is a removed sid back in the set', () => {
  const ended = rec({ sessionDeleted: true, familyRevoked: true });
  assert.deepEqual(findings(ended, seen(3, 2, 'active')), ['resurrected', 'resurrected', 'ok', 'resurrected']);
  assert.deepEqual(findings(ended, seen(null, 2, 'revoked', true, false)), ['ok', 'ok', 'ok', 'ok']);
});

test('a session whose login errored and was ended while that login could still run: found back, it is unverifiable, not resurrected', () => {
  const ended = rec({ sessionDeleted: true, familyRevoked: true, loginErrorAt: now - 5000, lastAckAt: now - 4000 });
  assert.deepEqual(findings(ended, seen(1, 1, 'active'), ctx({ lateLogin: true })), ['unverifiable', 'unverifiable', 'ok', 'unverifiable']);
  assert.deepEqual(findings(ended, seen(null, 2, 'revoked', true, false), ctx({ lateLogin: true })), ['ok', 'ok', 'ok', 'ok'], 'found ended: ok');
});

test('after an error, what was acknowledged before still bounds what must be found', () => {
  // An errored refresh, logout or revoke-all may have ended the session, but cannot make it older.
  const r = rec();
  const ended = ctx({ mayBeEnded: true });
  assert.deepEqual(findings(r, seen(2, 1, 'active'), ended), ['lost', 'lost', 'ok', 'ok'], 'older than acknowledged is a loss, error or not');
  assert.deepEqual(findings(r, seen(3, 2, 'active'), ended), ['ok', 'ok', 'ok', 'ok'], 'present and current: verified, not unverifiable');
  // Every end deletes the session, removes it from the set and revokes the family in one script:
  // all three found ended is that end having run.
  assert.deepEqual(findings(r, seen(null, 2, 'revoked', true, false), ended), ['ok', 'ok', 'ok', 'ok'], 'the errored end ran: its whole effect is there');
  // The family still active: no end ran, so the absent session and membership are lost.
  assert.deepEqual(findings(r, seen(null, 2, 'active', true, false), ended), ['lost', 'ok', 'ok', 'lost'], 'the errored end did not run');
  assert.deepEqual(findings(r, seen(3, 2, 'active', true, false), ended), ['ok', 'ok', 'ok', 'lost'], 'a live session out of its user set is lost membership');
  // The family gone too: nothing tells whether the end ran; only the deletion is excused.
  assert.deepEqual(findings(r, seen(null, null, null, true, false), ended), ['unverifiable', 'lost', 'ok', 'unverifiable']);
  // The current refresh token is never deleted by anything: still required.
  assert.deepEqual(findings(r, seen(null, 2, 'revoked', false, false), ended), ['ok', 'ok', 'lost', 'ok']);
  // A login that errored and was never proven: nothing was acknowledged, nothing is judged.
  assert.deepEqual(findings(rec({ mayNotExist: true, version: 1, familyGen: 1 }), seen(null, null, null, false, false)), []);
});

test('expiry excuses only absence: a key older than acknowledged is lost after its deadline too', () => {
  const late = rec({ sessionExpiresAt: now - 1, familyExpiresAt: now - 1 });
  assert.deepEqual(findings(late, seen(null, null, null, false, false), ctx({ setExpiresAt: now - 1 })), ['expired', 'expired', 'expired', 'expired']);
  assert.deepEqual(findings(late, seen(2, 1, 'active', false, true)), ['lost', 'lost', 'expired', 'ok']);
  // A revoked family is judged whatever its deadline: active again is a resurrection.
  assert.deepEqual(findings(rec({ sessionDeleted: true, familyRevoked: true, sessionExpiresAt: now - 1, familyExpiresAt: now - 1 }), seen(null, 2, 'active', false, false))[1], 'resurrected');
});

test('a session the app found gone while it should have lived is a loss seen live, unless an errored command explains it', () => {
  const gone = rec({ observedMissingAt: now - 5000 });
  const found = classify(gone, seen(null, 2, 'active'), ctx());
  assert.equal(found[0]!.finding, 'lost');
  assert.equal(found[0]!.observedLive, true);
  // ...even once its deadline has passed (expiry would otherwise hide it).
  assert.equal(findings({ ...gone, sessionExpiresAt: now - 1 }, seen(null, 2, 'active'))[0], 'lost');
  assert.equal(findings(gone, seen(null, 2, 'revoked', true, false), ctx({ mayBeEnded: true }))[0], 'ok', 'an errored end explains it, and its revoked family shows it ran');
  assert.equal(findings(gone, seen(null, null, null, true, false), ctx({ mayBeEnded: true }))[0], 'unverifiable');
  assert.equal(findings(gone, seen(null, 2, 'active'), ctx({ liveEvidence: false, setExpiresAt: now + 60_000 }))[0], 'lost', 'still absent before its deadline');
});

test("a session its own logout found already gone, its family not revoked, is a loss seen live though the logout ended it", () => {
  const loggedOut = rec({ sessionDeleted: true, familyRevoked: true, logoutFoundGone: { at: now - 5000, ackedAt: now - 6000 } });
  const found = classify(loggedOut, seen(null, 2, 'revoked', true, false), ctx());
  assert.equal(found[0]!.finding, 'lost', JSON.stringify(found[0]));
  assert.equal(found[0]!.observedLive, true);
  assert.deepEqual(found.slice(1).map((x) => x.finding), ['ok', 'ok', 'ok'], 'the logout itself revoked the family and left the set');
  assert.equal(findings(rec({ sessionDeleted: true, familyRevoked: true }), seen(null, 2, 'revoked', true, false))[0], 'ok', 'a logout that found it there');
  assert.equal(findings(loggedOut, seen(null, 2, 'revoked', true, false), ctx({ mayBeEnded: true }))[0], 'lost', 'an errored end that ran before the logout would have revoked the family');
  assert.equal(findings(loggedOut, seen(null, 2, 'revoked', true, false), ctx({ liveEvidence: false }))[0], 'ok', 'not when checking a restore against a snapshot');
});

test('OAuth nonces: a begun one must exist until its TTL; a consumed one found again is resurrected (replayable)', () => {
  assert.equal(classifyNonce('n', false, true, now + 1000_0, now)?.finding, 'ok');
  assert.equal(classifyNonce('n', false, false, now + 10_000, now)?.finding, 'lost');
  assert.equal(classifyNonce('n', false, false, now - 1, now)?.finding, 'expired');
  assert.equal(classifyNonce('n', true, true, now + 10_000, now)?.finding, 'resurrected');
  assert.equal(classifyNonce('n', true, false, now + 10_000, now)?.finding, 'ok');
  assert.equal(classifyNonce('n', true, true, now - 1, now), null, 'past its TTL a consumed nonce is not checked');
  // Found gone by its callback on the connection it asked on: lost, unless it is there now (the callback asked elsewhere).
  const gone = classifyNonceFoundMissing('n', false, now - 5000);
  assert.equal(gone.finding, 'lost');
  assert.equal(gone.observedLive, true);
  assert.equal(classifyNonceFoundMissing('n', true, now - 5000).finding, 'ok');
});
