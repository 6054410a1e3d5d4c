import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterDeltas } from './serverCounters.js';
import { addReading, sumOverShards, type ShardCounters } from './shardServerTime.js';

const info = (evalshaCalls: number, usec: number, forks = 0, fsync = 0, forkUs = 0): string =>
  `total_forks:${forks}\r\nlatest_fork_usec:${forkUs}\r\naof_delayed_fsync:${fsync}\r\ncmdstat_evalsha:calls=${evalshaCalls},usec=${usec}\r\n`;
const shard = (name: string): ShardCounters => ({ name, deltas: new CounterDeltas(), masters: [], missedSamples: 0, missedWhy: null });

test('a cluster\'s server time: calls and µs per command summed over shards, kept per shard so a slow one shows', () => {
  const a = shard('shard-0');
  const b = shard('shard-1');
  addReading(a, 'node-0', info(0, 0));
  addReading(b, 'node-1', info(0, 0));
  assert.deepEqual(addReading(a, 'node-0', info(100, 2000, 1, 0, 800)), { calls: 100, usec: 2000 });
  assert.deepEqual(addReading(b, 'node-1', info(100, 50000, 0, 3)), { calls: 100, usec: 50000 });
  const s = sumOverShards([a, b]);
  assert.deepEqual(s.perCommand, [{ command: 'evalsha', calls: 200, usecPerCall: 260 }]);
  assert.equal(s.forks, 1);
  assert.equal(s.latestForkUs, 800);
  assert.equal(s.aofDelayedFsync, 3);
  assert.deepEqual(s.byShard!.map((x) => [x.name, x.masters, x.perCommand[0]!.usecPerCall]), [['shard-0', ['node-0'], 20], ['shard-1', ['node-1'], 500]]);
});

test('a failover on one shard: both masters are named in order, and the new one\'s history is not counted', () => {
  const a = shard('shard-0');
  addReading(a, 'node-0', info(0, 0));
  addReading(a, 'node-0', info(10, 100));
  addReading(a, 'node-3', info(9000, 900000));
  addReading(a, 'node-3', info(9010, 900100));
  const s = sumOverShards([a]);
  assert.deepEqual(s.byShard![0]!.masters, ['node-0', 'node-3']);
  assert.deepEqual(s.perCommand, [{ command: 'evalsha', calls: 20, usecPerCall: 10 }]);
});
