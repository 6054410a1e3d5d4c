import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeneratorMonitor } from './generatorMonitor.js';
import { ChaosWindows } from './chaosWindows.js';

const hold = (ms: number): void => {
  const t = performance.now();
  while (performance.now() - t < ms) {
    // the loop's own thread, busy
  }
};

test('a loop held 6 ms reads as held at least 6 ms, and a stall at a 5 ms threshold', async () => {
  const monitor = new GeneratorMonitor(1, new ChaosWindows(), 5);
  try {
    await sleep(20);
    hold(6);
    await sleep(20);
    const s = monitor.closeSecond(1);
    // Node's sample is the whole interval between its 1 ms timer's firings; the monitor takes the
    // part past the timer, which a 6 ms hold still fills.
    assert.ok(s.eventLoopDelayMaxMs >= 5.9, JSON.stringify(s));
    assert.equal(s.stalled, true);
  } finally {
    monitor.stop();
  }
});
