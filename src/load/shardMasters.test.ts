import { test } from 'node:test';
import assert from 'node:assert/strict';
import { masterServing } from './shardMasters.js';
import { shardsFromClusterSlots } from './shardMap.js';

test('a shard\'s master is whoever serves its representative slot now, also after a failover', () => {
  const before = shardsFromClusterSlots([[0, 5460, ['127.0.0.1', 7001, 'a']], [5461, 16383, ['127.0.0.1', 7002, 'b']]]);
  assert.equal(masterServing(before, 2730), '127.0.0.1:7001');
  assert.equal(masterServing(before, 10922), '127.0.0.1:7002');
  // The replica at 7004 took shard 0 over.
  const after = shardsFromClusterSlots([[0, 5460, ['127.0.0.1', 7004, 'd']], [5461, 16383, ['127.0.0.1', 7002, 'b']]]);
  assert.equal(masterServing(after, 2730), '127.0.0.1:7004');
});

test('a slot no master serves (a shard down with full coverage off, a reply mid-reshard): no master', () => {
  const shards = shardsFromClusterSlots([[0, 100, ['127.0.0.1', 7001, 'a']]]);
  assert.equal(masterServing(shards, 200), null);
});
