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
  // HdrHistogram reports a percentile as its bucket's top, up to 0.1 % above what was recorded.
  assert.equal(t.at(1.0015)!.samples, 100);
});

test('attributions of two workers added together answer as one that saw every operation', () => {
  const one = new TailAttribution();
  const a = new TailAttribution();
  const b = new TailAttribution();
  for (let i = 0; i < 200; i++) {
    const latency = 1_000 + ((i * 37) % 900) * 10;
    one.record(latency, 0, latency / 4, (latency * 3) / 4);
    (i % 2 ? a : b).record(latency, 0, latency / 4, (latency * 3) / 4);
  }
  const merged = new TailAttribution();
  merged.addBuckets(a.buckets());
  merged.addBuckets(JSON.parse(JSON.stringify(b.buckets())));
  assert.deepEqual(merged.buckets(), one.buckets());
  for (const ms of [1, 2.5, 5, 9.9]) assert.deepEqual(merged.at(ms), one.at(ms));
  assert.ok(one.at(1)!.samples > 0);
  assert.notDeepEqual(a.buckets(), one.buckets(), 'one worker alone is not the whole');
  assert.throws(() => merged.addBuckets({ index: [1], columns: { elsewhere: [1] } }), /not one of/);
});

test('above a budget: the mean parts of every operation at or over it, however few sit in the p99 bucket', () => {
  const t = new TailAttribution();
  for (let k = 0; k < 1000; k++) t.record(500, 0, 20, 480); // well under a 5 ms budget
  for (let k = 0; k < 30; k++) t.record(6000 + k * 100, 0, 50, 5950 + k * 100); // a target's stalled replies
  t.record(9000, 0, 8700, 300); // one late send
  const over = t.above(5)!;
  assert.equal(over.samples, 31);
  assert.ok(over.replyMs > over.queueMs + over.waitMs, JSON.stringify(over));
  assert.ok(Math.abs(over.latencyMs - over.waitMs - over.queueMs - over.replyMs) < 1e-9);
  // The one bucket at 9 ms holds only the late send: it alone would blame the generator.
  assert.ok(t.at(9)!.queueMs > t.at(9)!.replyMs);
  assert.equal(t.above(60), null);
});
