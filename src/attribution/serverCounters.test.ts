import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterDeltas, parseCounters, perCommandOf } from './serverCounters.js';

const info = (evalsha: [number, number], forks = 0, fsync = 0, forkUs = 0): string =>
  `# Stats\r\ntotal_forks:${forks}\r\nlatest_fork_usec:${forkUs}\r\n# Persistence\r\naof_delayed_fsync:${fsync}\r\n# Commandstats\r\ncmdstat_evalsha:calls=${evalsha[0]},usec=${evalsha[1]},usec_per_call=1.00,rejected_calls=0,failed_calls=0\r\ncmdstat_ping:calls=5,usec=5,usec_per_call=1.00\r\n`;

test('commandstats, forks and delayed fsyncs are read from INFO all', () => {
  const c = parseCounters('node-0', info([10, 200], 2, 3, 900));
  assert.deepEqual(c.commands.get('evalsha'), { calls: 10, usec: 200 });
  assert.equal(c.forks, 2);
  assert.equal(c.latestForkUs, 900);
  assert.equal(c.aofDelayedFsync, 3);
});

test('deltas of consecutive readings of one master; the workload\'s commands only', () => {
  const d = new CounterDeltas();
  assert.deepEqual(d.add(parseCounters('node-0', info([10, 200]))), { calls: 0, usec: 0 }, 'the first reading is a baseline');
  assert.deepEqual(d.add(parseCounters('node-0', info([30, 600], 1, 2, 700))), { calls: 20, usec: 400 });
  assert.deepEqual(perCommandOf(d.totals), [{ command: 'evalsha', calls: 20, usecPerCall: 20 }]);
  assert.equal(d.forks, 1);
  assert.equal(d.latestForkUs, 700);
  assert.equal(d.aofDelayedFsync, 2);
});

test('following the master: a reading of another node is a new baseline, not its whole history', () => {
  const d = new CounterDeltas();
  d.add(parseCounters('node-0', info([10, 100])));
  d.add(parseCounters('node-0', info([20, 200])));
  // Failover: node-3 (the promoted replica) has its own counters, 5,000 calls from before.
  assert.deepEqual(d.add(parseCounters('node-3', info([5000, 90000]))), { calls: 0, usec: 0 });
  assert.deepEqual(d.add(parseCounters('node-3', info([5010, 90300]))), { calls: 10, usec: 300 });
  assert.deepEqual(perCommandOf(d.totals), [{ command: 'evalsha', calls: 20, usecPerCall: 20 }]);
});

test('a restarted node (its counters back at zero) adds nothing negative', () => {
  const d = new CounterDeltas();
  d.add(parseCounters('node-0', info([100, 1000], 4, 4)));
  assert.deepEqual(d.add(parseCounters('node-0', info([3, 30]))), { calls: 0, usec: 0 });
  assert.equal(d.forks, 0);
  assert.equal(d.aofDelayedFsync, 0);
});
