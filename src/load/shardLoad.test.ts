import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardLoad } from './shardLoad.js';
import { ShardMap } from './shardMap.js';
import type { OperationEvent } from './operationEvent.js';

test('each operation lands in its shard: counts, errors and latency per shard show skew', () => {
  const map = new ShardMap([{ name: 'low', ranges: [[0, 8191]] }, { name: 'high', ranges: [[8192, 16383]] }]);
  const load = new ShardLoad(map);
  const uids = Array.from({ length: 400 }, (_, i) => `u${i.toString(36)}`);
  const expected = [0, 0];
  for (const uid of uids) {
    const k = map.ofUser(uid);
    expected[k]!++;
    const slow = k === 1;
    const e: OperationEvent = { session: { uid, sid: 's', family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null }, client: 0, action: 'request', intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: slow ? 50 : 1, second: 1, outcome: 'ok', error: slow && uid.endsWith('1') ? 'timeout' : null };
    load.onOperation(e);
  }
  load.onOperation({ session: { uid: 'u', sid: 's', family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null }, client: 0, action: 'oauthBegin', intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: 1, second: 1, outcome: 'ok', error: 'timeout' });
  const [low, high] = load.figures();
  assert.deepEqual([low!.ops, high!.ops], expected);
  assert.ok(expected[0]! > 100 && expected[1]! > 100, 'both shards get users');
  assert.equal(low!.errors, 0);
  assert.ok(high!.errors > 0);
  assert.equal(low!.latencyMs.p99, 1);
  assert.ok(Math.abs(high!.latencyMs.p99 - 50) < 0.1);
  assert.equal(load.unattributed, 1);
});
