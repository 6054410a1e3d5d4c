import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nightSummarySchema } from './nightSummary.js';

const base = {
  schemaVersion: 1,
  runId: 'r',
  verdict: 'pass',
  startedAt: '2026-01-01T02:00:00.000Z',
  scenario: { name: 'smoke', description: 'x', source: 'scenarios/smoke.ts', stages: [{ name: 'steady', durationMs: 10_000, sessions: 200, loginRate: null }], seed: 42 },
  target: { kind: 'embedded', masterName: 'gauntlet', sentinels: [], topologyId: 't', tls: false, settings: { tls: 'off' }, redisVersion: '7.0.15' },
  ops: { intended: 1, total: 1, errors: 0, errorKinds: {}, outcomes: {}, intendedPerSecond: 1, achievedPerSecond: 1 },
  latencyMs: { overall: { p50: 1, p90: 1, p99: 1, p999: 1, max: 1, count: 1 }, byOp: {}, outsideChaos: null },
  generator: { schedulerLagMs: { p99: 1, max: 1 }, schedulerLagOutsideChaosMs: { p99: 1, max: 1 }, eventLoopDelayMs: { p99: 1, max: 1 }, cpuPercent: { mean: 1, max: 1 }, rssMb: { start: 1, peak: 1 }, saturated: false, reason: null },
};

test('a summary from a newer gauntlet with fields this one does not know reads', () => {
  const newer = { ...base, schemaVersion: 2, attribution: { p99: { generatorQueueMs: 1 } }, chaos: { experiment: 'kill-master', steps: [], windows: [{ fromMs: 1, toMs: 2 }] } };
  const r = nightSummarySchema.safeParse(newer);
  assert.ok(r.success, r.error?.message);
  assert.equal(r.data.chaos.experiment, 'kill-master');
});

test('an older summary without clients, drills, writeMode or thresholds reads with defaults', () => {
  const r = nightSummarySchema.safeParse(base);
  assert.ok(r.success, r.error?.message);
  assert.deepEqual([r.data.writeMode, r.data.chaos.experiment, r.data.failover, r.data.ledger, r.data.thresholds], ['async', null, null, null, []]);
});

test('what the charts need must be there', () => {
  const { latencyMs: _dropped, ...noLatency } = base;
  const r = nightSummarySchema.safeParse(noLatency);
  assert.equal(r.success, false);
  assert.equal(nightSummarySchema.safeParse({ ...base, verdict: 'maybe' }).success, false);
});
