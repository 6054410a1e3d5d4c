import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';
import { ShardMap, type ShardRanges } from '../load/shardMap.js';
import { OperationStreamWriter, replayBatch, type OperationBatch } from './operationStream.js';

// Four shards of a quarter of the slots each.
const map = new ShardMap([0, 1, 2, 3].map((k): ShardRanges => ({ name: `q${k}`, ranges: [[k * 4096, k * 4096 + 4095]] })));

/** A completed operation of user u1's session (fields in `over` replaced). */
function event(action: OperationEvent['action'], over: Partial<OperationEvent['session']> = {}, error: OperationEvent['error'] = null): OperationEvent {
  const session = { uid: 'u1', sid: 's', family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null, ...over };
  return { session, client: 0, action, intendedMs: 1, readyMs: 1, sentMs: 2, doneMs: 3, second: 1, outcome: 'ok', error };
}

// A worker's operations, among them OAuth ones (their shard is their nonce's), one begin failed, and a request while a nonce is pending.
const sent = [
  event('login', { uid: 'u7q' }),
  event('oauthBegin', { oauthNonce: 'abc.1x' }),
  event('request', { uid: 'uzz9', oauthNonce: 'pending.9' }),
  event('oauthComplete', { consumedNonce: 'Zq_9.77' }),
  event('oauthBegin', { oauthNonce: null }, 'timeout'),
  event('oauthComplete', { consumedNonce: 'n' }, 'timeout'),
];

function replayed(events: readonly OperationEvent[]): Array<{ action: string; shard: number; error: string | null }> {
  const batches: OperationBatch[] = [];
  const writer = new OperationStreamWriter((c) => c, (b) => batches.push(structuredClone(b)), 4);
  for (const e of events) writer.onOperation(e);
  writer.flush();
  const seen: Array<{ action: string; shard: number; error: string | null }> = [];
  const observer: OperationObserver = { onOperation: (e) => seen.push({ action: e.action, shard: map.ofOperation(e), error: e.error }) };
  for (const b of batches) replayBatch(b, [observer]);
  return seen;
}

test("the parent's observers see each streamed operation on the shard the worker's engine would name, OAuth ones by their nonce", () => {
  const direct = sent.map((e) => ({ action: e.action, shard: map.ofOperation(e), error: e.error }));
  assert.ok(direct.filter((x) => x.action.startsWith('oauth') && x.shard >= 0).length === 3, JSON.stringify(direct));
  assert.deepEqual(replayed(sent), direct);
});

test('without the nonces in the stream the OAuth operations would be unattributed (the check above can fail)', () => {
  const stripped = sent.map((e) => ({ ...e, session: { ...e.session, oauthNonce: null, consumedNonce: null } }));
  const direct = sent.map((e) => map.ofOperation(e));
  assert.notDeepEqual(replayed(stripped).map((x) => x.shard), direct);
});

test("the parent's observers see each streamed operation's times and the worker's second it completed in, as the engine told them", () => {
  const timed = [1, 2, 3, 4, 5].map((k) => ({ ...event('request'), client: k % 2, intendedMs: 1000 * k + 0.25, readyMs: 1000 * k + 1.5, sentMs: 1000 * k + 2.75, doneMs: 1000 * k + 4, second: k + 1 }));
  const batches: OperationBatch[] = [];
  const writer = new OperationStreamWriter((c) => c + 10, (b) => batches.push(structuredClone(b)), 2);
  for (const e of timed) writer.onOperation(e);
  writer.flush();
  const seen: Array<Pick<OperationEvent, 'client' | 'intendedMs' | 'readyMs' | 'sentMs' | 'doneMs' | 'second'>> = [];
  const observer: OperationObserver = { onOperation: (e) => seen.push({ client: e.client, intendedMs: e.intendedMs, readyMs: e.readyMs, sentMs: e.sentMs, doneMs: e.doneMs, second: e.second }) };
  for (const b of batches) replayBatch(b, [observer]);
  assert.deepEqual(seen, timed.map((e) => ({ client: e.client + 10, intendedMs: e.intendedMs, readyMs: e.readyMs, sentMs: e.sentMs, doneMs: e.doneMs, second: e.second })));
});
