import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyRecorder } from './latencyRecorder.js';
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
