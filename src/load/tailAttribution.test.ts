import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailAttribution } from './tailAttribution.js';

test('the parts of the operations at a latency add up to that latency, within 0.1 %', () => {
  const t = new TailAttribution();
  // 12 ms operations: 4 ms behind the session's previous action, 5 ms of generator queueing
  // and 3 ms of reply; 1 ms ones: all reply.
  for (let i = 0; i < 100; i++) t.record(12_000 + i, 4_000, 5_000, 3_000 + i);
  for (let i = 0; i < 100; i++) t.record(1_000, 0, 0, 1_000);
  const at = t.at(12.05)!;
  assert.ok(at.samples > 0);
  assert.ok(Math.abs(at.waitMs - 4) < 0.01, `wait ${at.waitMs}`);
  assert.ok(Math.abs(at.queueMs - 5) < 0.01, `queue ${at.queueMs}`);
  assert.ok(Math.abs(at.latencyMs - 12.05) / 12.05 < 0.002, `sum ${at.latencyMs}`);
  assert.equal(t.at(1)!.queueMs, 0);
  assert.equal(t.at(500), null, 'nothing recorded there');
});
