import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyRecorder, newHistogram, percentilesMs, spectrumMs } from './latencyRecorder.js';
import { ChaosWindows } from './chaosWindows.js';

test('steady-state throughput counts intended actions by their second, clear of windows and of the second before one', () => {
  const windows = new ChaosWindows();
  const r = new LatencyRecorder(windows, () => false);
  // 10 actions per second for 10 s; every one in seconds 0-2 succeeds, in seconds 6-9 only half.
  for (let s = 0; s < 10; s++) {
    for (let k = 0; k < 10; k++) {
      const at = s * 1000 + k * 100;
      r.intended(at);
      if (s < 6 || k % 2 === 0) r.record(0, at, at, at, at + 1, null);
    }
  }
  windows.add('fault', 4000, 5500);
  // Seconds 3 (just before), 4 and 5 touch the window: left out. Clear: 0-2 (30 of 30) and 6-9 (20 of 40).
  assert.deepEqual(r.throughputOutside(), { intended: 70, ok: 50 });
});

test('an action the generator never sent counts as intended and not succeeded', () => {
  const r = new LatencyRecorder(new ChaosWindows(), () => false);
  for (let k = 0; k < 4; k++) r.intended(k * 10);
  r.record(0, 0, 0, 0, 1, null);
  r.record(0, 10, 10, 10, 11, 'timeout');
  assert.deepEqual(r.throughputOutside(), { intended: 4, ok: 1 });
});

test('each window counts the operations that touched it, an operation touching two counted in the first', () => {
  const windows = new ChaosWindows();
  const r = new LatencyRecorder(windows, () => false);
  windows.add('kill-master', 1000, 3000);
  windows.add('kill-replica', 2500, 4000);
  r.record(0, 500, 500, 500, 900, null); // before both
  r.record(0, 900, 900, 900, 1100, 'timeout'); // in flight at the first strike
  r.record(0, 2600, 2600, 2600, 2700, null); // in both: the first's
  r.record(0, 3500, 3500, 3500, 3600, 'timeout'); // the second's only
  r.record(0, 5000, 5000, 5000, 5001, null); // after both
  assert.deepEqual(r.byWindow(), [
    { ops: 2, errors: 1 },
    { ops: 1, errors: 1 },
  ]);
  assert.deepEqual(r.excluded, { ops: 3, errors: 2 }, 'the windows add up to what the steady state left out');
});

test('no percentile above the maximum: the maximum is the top of its bucket, as every percentile is', () => {
  const h = newHistogram();
  for (let k = 0; k < 900; k++) h.recordValue(500);
  h.recordValue(93_693);
  assert.ok(h.getValueAtPercentile(99.9) > h.maxValue, 'the planted case: the bucket top lies above the exact maximum');
  const p = percentilesMs(h);
  assert.ok(p.p99 <= p.p999 && p.p999 <= p.max, JSON.stringify(p));
  assert.ok(p.max >= 93.693 && p.max <= 93.693 * 1.001, `max ${p.max} within HDR precision of the sample`);
  assert.equal(spectrumMs(h).every(([, ms]) => ms <= p.max), true);
});
