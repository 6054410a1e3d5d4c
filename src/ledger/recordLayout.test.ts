import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from './ledger.js';
import { LedgerObserver } from './ledgerObserver.js';
import { event, state, ttl } from './ledgerEvents.testSupport.js';
import { sameLayout } from '../load/sameLayout.testSupport.js';

// Alone in its file, so in a process of its own (see sameLayout).

test('a time stored by an error path keeps the layout every record shares (a failover must not make 50,000 records change theirs)', () => {
  const l = new Ledger(ttl);
  const o = new LedgerObserver(l);
  const [a, b, c, untouched] = ['a', 'b', 'c', 'u'].map((sid, i) => state({ uid: `u${i}`, sid, family: `f${sid}` }));
  for (const s of [a!, b!, c!, untouched!]) o.onOperation(event('login', s));
  // Every error path that stores a time, and the OAuth begin that stores the nonce's expiry.
  o.onOperation(event('login', state({ uid: 'u9', sid: 'd', family: 'fd' }), { error: 'timeout' }));
  o.onOperation(event('refresh', a!, { error: 'timeout' }));
  o.onOperation(event('revokeAll', b!, { error: 'timeout' }));
  o.onOperation(event('request', c!, { outcome: 'session-gone' }));
  o.onOperation(event('logout', c!, { outcome: 'session-gone' }));
  o.onOperation(event('oauthBegin', { ...c!, oauthNonce: 'n1' }));
  o.onOperation(event('refresh', { ...b!, version: 2 }));
  o.onOperation(event('request', { ...b!, lastRead: 1 }));
  const rec = (sid: string): object => l.records.get(sid)!;
  assert.ok(l.records.get('d')!.loginErrorAt > 0 && l.records.get('a')!.endUncertainAt > 0 && l.records.get('c')!.observedMissingAt > 0 && l.records.get('c')!.logoutFoundGone !== null, 'each error path stored its time');
  assert.ok(l.users.get('u1')!.revokeErrorAt > 0 && l.records.get('c')!.nonceExpiresAt > 0, 'the revoke-all error and the nonce stored theirs');
  assert.ok(l.records.get('b')!.observedOlderAt > 0, 'the stale read stored its time');
  for (const sid of ['a', 'b', 'c', 'd']) assert.ok(sameLayout(rec(sid), rec('u')), `record ${sid} has the layout of a record no error touched`);
  assert.ok(sameLayout(l.users.get('u1')!, l.users.get('u3')!), 'a user whose revoke-all errored has the layout of one whose did not');
  assert.equal(l.records.get('u')!.loginErrorAt, 0, 'and the times not set read 0, as before');
  assert.ok(Object.is(l.records.get('u')!.endUncertainAt, 0), 'a plain 0, not -0');
});
