import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newHistogram, percentilesMs } from '../load/latencyRecorder.js';
import { event, state } from '../ledger/ledgerEvents.testSupport.js';
import { HoldRecorder } from './holdRecorder.js';

/**
 * Operations of a hold from 2 s to 8 s, their seconds coming round again as a worker's batches
 * do, beside one histogram recorded directly: the hold's figures are what that histogram says.
 */
test("a hold's figures are its operations' latencies however their seconds interleave, and the ramp's are left out", () => {
  const hold = new HoldRecorder(2000, 8000);
  const direct = newHistogram();
  const refreshes = newHistogram();
  const e = event('request', state());
  let seed = 5;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let batch = 0; batch < 400; batch++) {
    const second = 2 + (batch % 7) + (batch % 2);
    for (let k = 0; k < 25; k++) {
      e.action = k % 5 === 0 ? 'refresh' : 'request';
      e.intendedMs = e.readyMs = (second - 1) * 1000 + rnd() * 900;
      e.sentMs = e.intendedMs + 0.1;
      e.doneMs = e.sentMs + 0.2 + rnd() ** 6 * 40;
      e.second = second;
      hold.onOperation(e);
      if (e.intendedMs < 2000 || e.intendedMs >= 8000) continue;
      const us = Math.max(1, Math.round((e.doneMs - e.intendedMs) * 1000));
      direct.recordValue(us);
      if (e.action === 'refresh') refreshes.recordValue(us);
    }
  }
  const f = hold.figures();
  assert.deepEqual(f.overall, percentilesMs(direct));
  assert.deepEqual(f.byOp.refresh, percentilesMs(refreshes));
  assert.equal(f.completed, direct.totalCount);
  assert.ok(f.beforeHold > 0 && f.completed + f.beforeHold < 10_000, 'the ramp and the seconds past the hold are left out');
  // Second 9's operations were intended in second 8, past the hold: no second 9.
  const span = hold.span((t) => t === 3);
  assert.equal(span.seconds, 6);
  assert.equal(span.stalledSeconds, 1);
  assert.ok(span.healthyLatency.totalCount < direct.totalCount && span.healthyLatency.totalCount > 0);
  assert.equal(span.overall.latency.totalCount, direct.totalCount);
  assert.equal(hold.samples, direct.totalCount);
});
