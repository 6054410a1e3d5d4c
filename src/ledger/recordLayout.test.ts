import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { Ledger } from './ledger.js';
import { LedgerObserver } from './ledgerObserver.js';
import type { OperationEvent } from '../load/operationEvent.js';
import type { SessionState } from '../load/session/sessionOperations.js';

// Alone in its file, so in a process of its own: V8 shares a layout among all objects made by
// one literal, so a test run before this one could change it first and hide what this checks.
// V8's own view of an object's layout (its hidden class, `%HaveSameMap`) is the source of truth.
v8.setFlagsFromString('--allow-natives-syntax');
const sameLayout = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const ttl = { sessionMs: 60_000, refreshTokenMs: 60_000, oauthStateMs: 60_000 };
const state = (over: Partial<SessionState> = {}): SessionState => ({ uid: 'u1', sid: 's1', family: 'f1', token: 't1', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null, ...over });
const event = (action: OperationEvent['action'], s: SessionState, over: Partial<OperationEvent> = {}): OperationEvent => ({ session: s, client: 0, action, intendedMs: 0, sentMs: 0, doneMs: 0, outcome: 'ok', error: null, ...over });

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
  o.onOperation(event('oauthBegin', { ...c!, oauthNonce: 'n1' }));
  const rec = (sid: string): object => l.records.get(sid)!;
  assert.ok(l.records.get('d')!.loginErrorAt > 0 && l.records.get('a')!.endUncertainAt > 0 && l.records.get('c')!.observedMissingAt > 0, 'each error path stored its time');
  assert.ok(l.users.get('u1')!.revokeErrorAt > 0 && l.records.get('c')!.nonceExpiresAt > 0, 'the revoke-all error and the nonce stored theirs');
  for (const sid of ['a', 'c', 'd']) assert.ok(sameLayout(rec(sid), rec('u')), `record ${sid} has the layout of a record no error touched`);
  assert.ok(sameLayout(l.users.get('u1')!, l.users.get('u3')!), 'a user whose revoke-all errored has the layout of one whose did not');
  assert.equal(l.records.get('u')!.loginErrorAt, 0, 'and the times not set read 0, as before');
  assert.ok(Object.is(l.records.get('u')!.endUncertainAt, 0), 'a plain 0, not -0');
});
