import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger, resendWindowMs, type LedgerTtls } from './ledger.js';
import { LedgerObserver } from './ledgerObserver.js';
import { event, state, ttl } from './ledgerEvents.testSupport.js';

/** A ledger and the observer that feeds it, as a run wires them. */
function observed(t: LedgerTtls): { ledger: Ledger; observer: LedgerObserver } {
  const ledger = new Ledger(t);
  return { ledger, observer: new LedgerObserver(ledger) };
}

test("a revoke-all seen before a sibling session's login acknowledgement still ends that session", () => {
  const l = new Ledger(ttl);
  l.ended('s2', Date.now()); // revoke-all (connection A) reports s2, whose login ack (connection B) is not in yet
  l.loginAcked('u1', 's2', 'f2', 't', Date.now());
  l.loginAcked('u1', 's3', 'f3', 't', Date.now());
  assert.equal(l.records.get('s2')!.sessionDeleted, true);
  assert.equal(l.records.get('s2')!.familyRevoked, true);
  assert.equal(l.records.get('s3')!.sessionDeleted, false, 'only the session the revoke-all named');
});

test('errors: only what the errored command could change becomes uncertain', () => {
  const { ledger: l, observer: o } = observed(ttl);
  const a = state({ sid: 'a', family: 'fa' });
  const b = state({ sid: 'b', family: 'fb' });
  const c = state({ uid: 'u2', sid: 'c', family: 'fc' });
  for (const s of [a, b, c]) o.onOperation(event('login', s));
  const ended = (sid: string): boolean => l.mayBeEnded(l.records.get(sid)!);
  o.onOperation(event('request', a, { error: 'timeout' }));
  assert.equal(ended('a'), false, 'an errored request changes nothing the ledger tracks');
  o.onOperation(event('refresh', a, { error: 'timeout' }));
  assert.equal(ended('a'), true, 'an errored refresh may still run and revoke the family as a replay');
  assert.equal(ended('b'), false);
  o.onOperation(event('revokeAll', b, { error: 'connection' }));
  assert.deepEqual([ended('a'), ended('b'), ended('c')], [true, true, false], 'an errored revoke-all may delete any session of its user, not another user\'s');
  o.onOperation(event('login', state({ uid: 'u3', sid: 'd' }), { error: 'timeout' }));
  assert.equal(l.records.get('d')!.mayNotExist, true);
});

test('an acknowledged read proves a session exists: an errored login is then held to it, an errored refresh once it can no longer run', () => {
  const l = new Ledger(ttl);
  const r = (sid: string) => l.records.get(sid)!;
  l.loginErrored('u1', 'a', 'fa', 't', 1000);
  l.touched('a', 1, 2000);
  assert.equal(r('a').mayNotExist, false);
  l.loginAcked('u1', 'b', 'fb', 't', 1000);
  l.mayHaveEnded('b', 2000);
  l.touched('b', 1, 3000);
  assert.equal(l.mayBeEnded(r('b')), true, 'a resent refresh could still run');
  l.touched('b', 1, 2000 + resendWindowMs + 1);
  assert.equal(l.mayBeEnded(r('b')), false, 'it survived every moment the errored command could have run');
});

test("a refresh that rotated a session's token proves its errored login ran, even when it found the session gone", () => {
  const { ledger: l, observer: o } = observed(ttl);
  const s = state();
  o.onOperation(event('login', s, { error: 'timeout' }));
  assert.equal(l.records.get('s1')!.mayNotExist, true);
  o.onOperation(event('refresh', { ...s, token: 't2' }, { outcome: 'session-gone' }));
  const r = l.records.get('s1')!;
  assert.equal(r.mayNotExist, false, 'the family and the new token were written: the session existed');
  assert.ok(r.observedMissingAt > 0, 'and the app found it gone');
  assert.equal(r.token, 't2');
});

test('what the app finds missing is recorded, and only while the session should live', () => {
  const { ledger: l, observer: o } = observed(ttl);
  const a = state({ sid: 'a' });
  o.onOperation(event('login', a));
  o.onOperation(event('request', a, { outcome: 'session-gone' }));
  assert.ok(l.records.get('a')!.observedMissingAt > 0);
  const b = state({ sid: 'b' });
  o.onOperation(event('login', b));
  o.onOperation(event('logout', b));
  o.onOperation(event('request', b, { outcome: 'session-gone' }));
  assert.equal(l.records.get('b')!.observedMissingAt, 0, 'an acknowledged logout explains it');
});

test("a logout that found the session already gone is recorded while the session should have lived, beside its acknowledged end", () => {
  const { ledger: l, observer: o } = observed(ttl);
  const a = state({ sid: 'a' });
  o.onOperation(event('login', a));
  o.onOperation(event('logout', a, { outcome: 'session-gone' }));
  const r = l.records.get('a')!;
  assert.ok(r.logoutFoundGone !== null && r.logoutFoundGone.at >= r.logoutFoundGone.ackedAt && r.sessionDeleted && r.familyRevoked, JSON.stringify(r));
  const b = state({ sid: 'b' });
  o.onOperation(event('login', b));
  o.onOperation(event('logout', b));
  assert.equal(l.records.get('b')!.logoutFoundGone, null, 'a logout that found it there');
  // A sibling's revoke-all listed it (it ran before the logout) and its acknowledgement came first.
  const d = state({ uid: 'u2', sid: 'd' });
  const sibling = state({ uid: 'u2', sid: 'e', revoked: ['d', 'e'] });
  o.onOperation(event('login', d));
  o.onOperation(event('login', sibling));
  o.onOperation(event('request', { ...d, lastRead: 1 }));
  o.onOperation(event('revokeAll', sibling));
  o.onOperation(event('logout', d, { outcome: 'session-gone' }));
  assert.notEqual(l.records.get('d')!.logoutFoundGone, null, 'an end acknowledged before does not explain it');
  // Dated by the last operation acknowledged before it: a request's sliding expiry may be the write lost.
  const dated = new Ledger(ttl);
  dated.loginAcked('u', 'x', 'fx', 't', 1_000);
  dated.touched('x', 1, 5_000);
  dated.logoutFoundGone('x', 6_000);
  assert.deepEqual(dated.records.get('x')!.logoutFoundGone, { at: 6_000, ackedAt: 5_000 });
  const c = state({ sid: 'c' });
  o.onOperation(event('login', c, { error: 'timeout' }));
  o.onOperation(event('logout', c, { outcome: 'session-gone' }));
  assert.equal(l.records.get('c')!.logoutFoundGone, null, 'its login errored: it may never have existed');
  const { ledger: short, observer: so } = observed({ ...ttl, sessionMs: 1000 });
  so.onOperation(event('login', a));
  so.onOperation(event('logout', a, { outcome: 'session-gone' }));
  assert.equal(short.records.get('a')!.logoutFoundGone, null, 'within the expiry margin of its deadline: it may have expired');
});

test('an OAuth state the callback found gone on the connection it asked on is a loss seen live, before its deadline; one it may have consumed itself is dropped', () => {
  const { ledger: l, observer: o } = observed(ttl);
  const begin = (sid: string, nonce: string): void => {
    o.onOperation(event('login', state({ sid })));
    o.onOperation(event('oauthBegin', state({ sid, oauthNonce: nonce })));
  };
  begin('a', 'na');
  o.onOperation(event('oauthComplete', state({ sid: 'a', consumedNonce: 'na' }), { outcome: 'oauth-state-lost' }));
  assert.deepEqual(l.lostNonces.map((n) => n.nonce), ['na']);
  assert.equal(l.records.get('a')!.pendingNonce, null, 'no longer pending: a next flow does not replace the finding');
  begin('b', 'nb');
  o.onOperation(event('oauthComplete', state({ sid: 'b', consumedNonce: 'nb' }), { outcome: 'oauth-state-missing' }));
  assert.equal(l.lostNonces.length, 1, 'a resent GETDEL may have consumed it');
  const { ledger: short, observer: so } = observed({ ...ttl, oauthStateMs: 1000 });
  so.onOperation(event('login', state({ sid: 'c' })));
  so.onOperation(event('oauthBegin', state({ sid: 'c', oauthNonce: 'nc' })));
  so.onOperation(event('oauthComplete', state({ sid: 'c', consumedNonce: 'nc' }), { outcome: 'oauth-state-lost' }));
  assert.equal(short.lostNonces.length, 0, 'within the expiry margin of its deadline: it may have expired');
  assert.equal(new Ledger(ttl).toShard().lostNonces.length, 0);
  const merged = new Ledger(ttl);
  merged.addShard(l.toShard());
  assert.deepEqual(merged.lostNonces.map((n) => n.nonce), ['na'], 'carried between parts');
});

test('a refresh that wrote over an older version, or a read of one, is a loss seen live, and the acknowledged version never goes back', () => {
  const { ledger: l, observer: o } = observed(ttl);
  const s = state();
  o.onOperation(event('login', s));
  for (const version of [2, 3]) o.onOperation(event('refresh', { ...s, version }));
  assert.equal(l.records.get('s1')!.observedOlderAt, 0, 'each refresh wrote above the last acknowledged version');
  // v3 was acknowledged and lost: the store held v2, so the next refresh wrote v3 again, and the one after v4.
  o.onOperation(event('refresh', { ...s, version: 3 }));
  o.onOperation(event('refresh', { ...s, version: 4 }));
  const r = l.records.get('s1')!;
  assert.deepEqual({ ...r.observedOlder, ackedAt: 0 }, { acknowledged: 3, ackedAt: 0, found: 2 });
  assert.ok(r.observedOlderAt > 0);
  assert.equal(r.version, 4);
  assert.equal(l.staleReads, 1);
  // A read of an older version, the same.
  const t = state({ sid: 's2', family: 'f2' });
  o.onOperation(event('login', t));
  o.onOperation(event('refresh', { ...t, version: 2 }));
  o.onOperation(event('request', { ...t, lastRead: 1 }));
  assert.deepEqual({ ...l.records.get('s2')!.observedOlder, ackedAt: 0 }, { acknowledged: 2, ackedAt: 0, found: 1 });
  assert.equal(l.records.get('s2')!.observedOlder!.ackedAt, l.records.get('s2')!.lastAckAt, 'dated by the lost version\'s acknowledgement');
  // A session whose login errored: that login may have run late, after v2 was acknowledged, and written v1 anew: no proof of a loss.
  l.loginErrored('u3', 's3', 'f3', 't', 1000);
  l.rotated('s3', 't2', 2, 2000);
  l.touched('s3', 1, 60_000);
  assert.equal(l.records.get('s3')!.observedOlder, null);
  assert.equal(l.records.get('s3')!.version, 1, "the late login's version is the session's now");
  assert.equal(l.records.get('s3')!.familyGen, 1, "and its family's first generation");
  // A refresh over the late login's v1 writes v2: no older version any more.
  l.rotated('s3', 't3', 2, 61_000);
  assert.equal(l.records.get('s3')!.observedOlder, null);
  assert.equal(l.records.get('s3')!.version, 2);
  // And a refresh that found the late login's v1 before any read did is explained the same way.
  l.loginErrored('u5', 's5', 'f5', 't', 1000);
  l.rotated('s5', 't2', 2, 2000);
  l.rotated('s5', 't3', 2, 60_000);
  assert.equal(l.records.get('s5')!.observedOlder, null);
  assert.equal(l.records.get('s5')!.version, 2);
  assert.equal(l.records.get('s5')!.familyGen, 2, "the late login's generation 1, then this refresh's");
  // v2 acknowledged after the errored login could no longer run: an older version found later is a loss.
  l.loginErrored('u4', 's4', 'f4', 't', 1000);
  l.rotated('s4', 't2', 2, 1000 + resendWindowMs + 1);
  l.touched('s4', 1, 60_000);
  assert.deepEqual(l.records.get('s4')!.observedOlder, { acknowledged: 2, ackedAt: 1000 + resendWindowMs + 1, found: 1 });
  // Found older again before writes pass the lost version: the same loss, not counted again.
  l.touched('s4', 1, 61_000);
  assert.equal(l.staleReads, 5, 'each older version a stale read');
});

test('OAuth nonces: begun, consumed once, and a callback that found nothing stops tracking', () => {
  const { ledger: l, observer: o } = observed(ttl);
  const s = state({ oauthNonce: 'n1' });
  o.onOperation(event('login', s));
  o.onOperation(event('oauthBegin', s));
  assert.equal(l.records.get('s1')!.pendingNonce, 'n1');
  s.oauthNonce = null;
  s.consumedNonce = 'n1';
  o.onOperation(event('oauthComplete', s));
  assert.equal(l.records.get('s1')!.pendingNonce, null);
  assert.deepEqual(l.consumedNonces.map((n) => n.nonce), ['n1']);
  s.oauthNonce = 'n2';
  o.onOperation(event('oauthBegin', s));
  s.consumedNonce = 'n2';
  o.onOperation(event('oauthComplete', s, { outcome: 'oauth-state-missing' }));
  assert.equal(l.records.get('s1')!.pendingNonce, null);
  assert.equal(l.consumedNonces.length, 1, 'a resent GETDEL may have consumed it: not tracked');
});

test("ledgers of two workers added together are the one ledger: a revoke-all in one ends the user's sessions the other logged in", () => {
  const now = Date.now();
  // What one process would have seen: both logins, then u1's revoke-all (which ended s1 and s2).
  const one = new Ledger(ttl);
  const a = new Ledger(ttl);
  const b = new Ledger(ttl);
  for (const [l, sid] of [[one, 's1'], [a, 's1'], [one, 's2'], [b, 's2'], [one, 's3'], [b, 's3']] as const) l.loginAcked(sid === 's3' ? 'u2' : 'u1', sid, `f${sid}`, 't', now);
  for (const l of [one, a]) {
    l.ended('s1', now + 5);
    l.ended('s2', now + 5);
  }
  b.userMayBeRevoked('u2', now + 7);
  a.staleReads = 2;
  for (const order of [[a, b], [b, a]]) {
    const merged = new Ledger(ttl);
    for (const part of order) merged.addShard(JSON.parse(JSON.stringify(part.toShard())));
    assert.deepEqual(merged.toShard().records.sort((x, y) => x.sid.localeCompare(y.sid)), one.toShard().records.sort((x, y) => x.sid.localeCompare(y.sid)));
    assert.equal(merged.records.get('s2')!.sessionDeleted, true, "b's session, ended by a's revoke-all");
    assert.equal(merged.records.get('s3')!.sessionDeleted, false);
    assert.equal(merged.mayBeEnded(merged.records.get('s3')!), true, "b's errored revoke-all of u2");
    assert.equal(merged.staleReads, 2);
    assert.deepEqual(merged.toShard().endedUnseen, []);
  }
  const alone = new Ledger(ttl);
  alone.addShard(b.toShard());
  assert.equal(alone.records.get('s2')!.sessionDeleted, false, 'without the other part the end is not known');
});

test('an errored login can revive its session after an end acknowledged within the resend window, not after it', () => {
  const l = new Ledger({ sessionMs: 1_800_000, refreshTokenMs: 7_200_000, oauthStateMs: 300_000 });
  l.loginErrored('u', 'a', 'fa', 't', 1000);
  l.ended('a', 1000 + resendWindowMs - 1);
  assert.equal(l.lateLoginMayRevive(l.records.get('a')!), true);
  l.loginErrored('u', 'b', 'fb', 't', 1000);
  l.ended('b', 1000 + resendWindowMs + 1);
  assert.equal(l.lateLoginMayRevive(l.records.get('b')!), false);
  l.loginAcked('u', 'c', 'fc', 't', 1000);
  l.ended('c', 1001);
  assert.equal(l.lateLoginMayRevive(l.records.get('c')!), false, 'an acknowledged login cannot run again');
});
