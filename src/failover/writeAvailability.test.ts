import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteAvailability } from './writeAvailability.js';
import type { OperationEvent } from '../load/operationEvent.js';

const op = (client: number, sentMs: number, doneMs: number, ok: boolean, over: Partial<OperationEvent> = {}): OperationEvent => ({
  session: { uid: 'u', sid: `s${client}-${sentMs}`, family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null },
  client, action: 'request', intendedMs: sentMs, readyMs: sentMs, sentMs, doneMs, second: 1, outcome: 'ok', error: ok ? null : 'timeout', ...over,
});

test('without verification: from the last success before the fault to the first success sent after it, per client', () => {
  const w = new WriteAvailability();
  w.onOperation(op(0, 90, 95, true));
  w.onOperation(op(1, 98, 99, true));
  w.markFault(100);
  w.onOperation(op(0, 99, 150, true)); // sent before the fault: does not end the gap
  w.onOperation(op(0, 200, 4100, false));
  w.onOperation(op(0, 4200, 4210, true));
  w.onOperation(op(1, 5000, 5001, true));
  const [g] = w.gaps();
  assert.deepEqual(g!.perClientMs, [4210 - 95, 5001 - 99]);
  assert.equal(g!.maxMs, 5001 - 99);
  assert.equal(g!.endsAt, 'first success');
});

test('a client that never succeeds again has no upper bound', () => {
  const w = new WriteAvailability();
  w.onOperation(op(0, 1, 2, true));
  w.markFault(10);
  w.onOperation(op(0, 11, 12, false));
  assert.equal(w.gaps()[0]!.maxMs, null);
});

test('with verification the gap ends at the first write the ledger confirms: split-brain writes do not end it', () => {
  const w = new WriteAvailability();
  w.onOperation(op(0, 1, 2, true));
  w.markFault(10);
  // Acknowledged by the isolated old master, lost later:
  w.onOperation(op(0, 20, 21, true, { action: 'login', session: { uid: 'u', sid: 'lost', family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null } }));
  // A read does not count as a write:
  w.onOperation(op(0, 30, 31, true));
  w.onOperation(op(0, 4000, 4005, true, { action: 'refresh', session: { uid: 'u', sid: 'kept', family: 'f', token: 't', previousToken: null, version: 3, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null } }));
  const confirm = (sid: string, version: number): boolean | null => (sid === 'kept' ? version <= 3 : false);
  assert.deepEqual(w.gaps(confirm)[0]!.perClientMs, [4005 - 2]);
  assert.deepEqual(w.gaps()[0]!.perClientMs, [21 - 2], 'the first success alone would say 19 ms');
  assert.equal(w.gaps(() => false)[0]!.maxMs, null, 'nothing confirmed: unbounded');
});

test('on a cluster, a fault on one shard is measured on that shard\'s keys: the other shards writing on do not hide its gap', () => {
  const shardOfUid = (e: Readonly<OperationEvent>): number => (e.session.uid === 'on-struck' ? 1 : 0);
  const w = new WriteAvailability({ count: 2, of: shardOfUid });
  const on = (uid: string) => ({ session: { uid, sid: `s-${uid}`, family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null } });
  w.onOperation(op(0, 80, 90, true, on('on-struck')));
  w.onOperation(op(0, 95, 99, true, on('elsewhere')));
  w.markFault(100, 'kill-shard-master', 1);
  w.markFault(100, 'whole client');
  w.onOperation(op(0, 150, 160, true, on('elsewhere'))); // the healthy shard keeps writing
  w.onOperation(op(0, 3000, 3010, true, on('on-struck')));
  const [struck, whole] = w.gaps();
  assert.deepEqual([struck!.shard, struck!.perClientMs], [1, [3010 - 90]]);
  assert.deepEqual([whole!.shard, whole!.perClientMs], [null, [160 - 99]]);
  assert.equal(w.gapStart(1), 3010);
});
