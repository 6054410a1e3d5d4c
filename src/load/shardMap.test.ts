import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardMap, shardsFromClusterSlots } from './shardMap.js';
import { keySlot } from '../topology/hashSlot.js';
import { oauthStateKey, sessionKey } from './session/sessionKeys.js';
import type { OperationEvent } from './operationEvent.js';

const map = new ShardMap([
  { name: 'a', ranges: [[0, 5460]] },
  { name: 'b', ranges: [[5461, 10922]] },
  { name: 'c', ranges: [[10923, 16383]] },
]);
const event = (action: OperationEvent['action'], over: Partial<OperationEvent['session']> = {}, error: OperationEvent['error'] = null): OperationEvent => ({
  session: { uid: 'u7q', sid: 's', family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null, ...over },
  client: 0, action, intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: 1, second: 1, outcome: 'ok', error,
});
const shardOfKey = (key: string): number => [[0, 5460], [5461, 10922], [10923, 16383]].findIndex(([a, b]) => keySlot(key) >= a! && keySlot(key) <= b!);

test("a user's operations go to the shard of its session key's slot", () => {
  for (const uid of ['u1', 'u7q', 'uzz9', 'u0']) {
    assert.equal(map.ofOperation(event('request', { uid })), shardOfKey(sessionKey(uid, 'x')), uid);
    assert.equal(map.ofOperation(event('login', { uid })), shardOfKey(sessionKey(uid, 'y')), uid);
  }
});

test('OAuth state operations go to their nonce key\'s shard; a failed begin is unattributed', () => {
  for (const nonce of ['abc.1x', 'Zq_9.77', 'n']) {
    assert.equal(map.ofOperation(event('oauthBegin', { oauthNonce: nonce })), shardOfKey(oauthStateKey(nonce)));
    assert.equal(map.ofOperation(event('oauthComplete', { consumedNonce: nonce })), shardOfKey(oauthStateKey(nonce)));
  }
  assert.equal(map.ofOperation(event('oauthBegin', { oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null }, 'timeout')), -1);
});

test('a slot no shard serves is -1; names and count come from the ranges', () => {
  const partial = new ShardMap([{ name: 'only', ranges: [[0, 99], [200, 299]] }]);
  assert.equal(partial.ofSlot(150), -1);
  assert.equal(partial.ofSlot(250), 0);
  assert.deepEqual([partial.count, partial.names], [1, ['only']]);
});

test('CLUSTER SLOTS groups into shards by master, named by their ranges in slot order', () => {
  const reply = [
    [10923, 16383, ['10.0.0.3', 6379, 'c'], ['10.0.0.6', 6379, 'f']],
    [0, 5460, ['10.0.0.1', 6379, 'a']],
    [5461, 5470, ['10.0.0.3', 6379, 'c']],
    [5471, 10922, ['10.0.0.2', 6379, 'b']],
  ];
  assert.deepEqual(shardsFromClusterSlots(reply), [
    { name: 'shard-0 (0-5460)', ranges: [[0, 5460]], master: '10.0.0.1:6379' },
    { name: 'shard-1 (5461-5470,10923-16383)', ranges: [[5461, 5470], [10923, 16383]], master: '10.0.0.3:6379' },
    { name: 'shard-2 (5471-10922)', ranges: [[5471, 10922]], master: '10.0.0.2:6379' },
  ]);
});
