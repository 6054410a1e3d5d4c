import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardMemorySum } from './shardMemorySum.js';

test('the run\'s memory is the sum over shards per second; each shard keeps its own start and peak', () => {
  const m = new ShardMemorySum(['shard-0', 'shard-1']);
  m.add(null, [{ bytes: 1000 }, { bytes: 2000 }]);
  m.add(0, [{ bytes: 1500 }, { bytes: 2100 }]);
  m.add(1, [{ bytes: 1400 }, { bytes: 2600 }]);
  assert.equal(m.startBytes, 3000);
  assert.deepEqual(m.samples, [{ t: 0, usedBytes: 3600 }, { t: 1, usedBytes: 4000 }]);
  assert.equal(m.peakBytes, 4000);
  assert.deepEqual(m.shards.map((s) => [s.startBytes, s.peakBytes, s.missedSamples]), [[1000, 1500, 0], [2000, 2600, 0]]);
  assert.equal(m.notMeasured('admin user'), null);
});

test('a shard that missed a second counts with its last reading and its miss is counted on it, not on the run', () => {
  const m = new ShardMemorySum(['shard-0', 'shard-1']);
  m.add(null, [{ bytes: 1000 }, { bytes: 2000 }]);
  m.add(0, [{ bytes: 1100 }, { why: 'no answer within 1500 ms' }]);
  assert.deepEqual(m.samples, [{ t: 0, usedBytes: 3100 }], 'not 1100: a failover\'s second is not memory freed');
  assert.equal(m.shards[1]!.missedSamples, 1);
  assert.equal(m.shards[1]!.missedWhy, 'no answer within 1500 ms');
  assert.equal(m.shards[0]!.missedSamples, 0);
  assert.equal(m.notMeasured('admin user'), null);
});

test('a shard not read at the start adds nothing until its first reading, which is its start', () => {
  const m = new ShardMemorySum(['shard-0', 'shard-1']);
  m.add(null, [{ bytes: 1000 }, { why: 'connection refused' }]);
  m.add(0, [{ bytes: 1000 }, { bytes: 500 }]);
  assert.equal(m.shards[1]!.startBytes, 500);
  assert.equal(m.startBytes, 1500);
  assert.deepEqual(m.samples, [{ t: 0, usedBytes: 1500 }]);
});

test('no shard ever read: not measured, naming each shard and why', () => {
  const m = new ShardMemorySum(['shard-0', 'shard-1']);
  m.add(null, [{ why: 'NOPERM' }, { why: 'NOPERM' }]);
  m.add(0, [{ why: 'NOPERM' }, { why: 'timeout' }]);
  assert.equal(m.startBytes, null);
  assert.equal(m.peakBytes, null);
  assert.deepEqual(m.samples, []);
  assert.equal(m.notMeasured('audit user mon'), 'the audit user mon could not read INFO memory on any shard\'s master: shard-0: NOPERM; shard-1: timeout');
});
