import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WriteAvailability } from './writeAvailability.js';

test('measures from the last success before the fault to the first success sent after it, per client', () => {
  const w = new WriteAvailability();
  w.record(0, 90, 95, true);
  w.record(1, 98, 99, true);
  w.markFault(100);
  w.record(0, 99, 150, true); // sent before the fault: does not end the gap
  w.record(0, 200, 4100, false);
  w.record(0, 4200, 4210, true);
  w.record(1, 5000, 5001, true);
  const [g] = w.gaps();
  assert.deepEqual(g!.perClientMs, [4210 - 95, 5001 - 99]);
  assert.equal(g!.maxMs, 5001 - 99);
});

test('a client that never succeeds again has no upper bound', () => {
  const w = new WriteAvailability();
  w.record(0, 1, 2, true);
  w.markFault(10);
  w.record(0, 11, 12, false);
  assert.equal(w.gaps()[0]!.maxMs, null);
});
