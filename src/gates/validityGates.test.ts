import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validityGates } from './validityGates.js';
import type { LoadResult } from '../load/loadResult.js';

type Generator = LoadResult['generator'];
const generator = (over: Partial<Generator> = {}): Generator => ({
  schedulerLagMs: { p99: 0.4, max: 3 }, schedulerLagOutsideChaosMs: { p99: 0.4, max: 3 }, eventLoopDelayMs: { p99: 1, max: 3 }, cpuPercent: { mean: 40, max: 60 },
  rssMb: { start: 150, peak: 200 }, saturated: false, reason: null, maxSchedulerLagP99Ms: 1, gc: { count: 10, scavenges: 10, markCompacts: 0, maxMs: 1, totalMs: 5, over2Ms: 0 }, stalledSeconds: 0, stallThresholdMs: 2.5,
  ...over,
});
const failed = (gates: ReturnType<typeof validityGates>) => gates.filter((g) => !g.pass).map((g) => g.name);

test('a generator that kept up, a breach that is not its own and a finished run: valid', () => {
  assert.deepEqual(failed(validityGates({ generator: generator(), aborted: false, durationMs: 60_000 }, 60_000, null, { who: 'server', why: 'LATENCY event' })), []);
});

test('a saturated generator, its own breach, or a stopped run each make the run invalid', () => {
  assert.deepEqual(failed(validityGates({ generator: generator({ saturated: true, reason: 'lag p99 3 ms' }), aborted: false, durationMs: 60_000 }, 60_000, null, null)), ['generator kept up with its schedule']);
  assert.deepEqual(failed(validityGates({ generator: generator(), aborted: false, durationMs: 60_000 }, 60_000, null, { who: 'generator', why: 'GC' })), ["a latency breach is the target's time, not the generator's"]);
  const stopped = validityGates({ generator: generator(), aborted: true, durationMs: 12_000 }, 60_000, 'SIGINT', null);
  assert.deepEqual(failed(stopped), ['the run went to the end of its schedule']);
  assert.match(stopped[2]!.actual, /stopped early at 12\.0 s \(SIGINT\)/);
});
