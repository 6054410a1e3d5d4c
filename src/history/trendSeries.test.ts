import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nightSummarySchema, type Night } from './nightSummary.js';
import { buildTrendHistory, groupCharts, groupDrift, limitNumber, sentinelFailoverMs } from './trendSeries.js';
import { defaultDriftRule } from './driftRule.js';

const start = Date.UTC(2026, 0, 1, 2);
/** A synthetic passing smoke night number `i` with the given p99 for every operation. */
function raw(i: number, p99: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const p = { p50: p99 / 2, p99 };
  return {
    schemaVersion: 1,
    runId: `night-${i}`,
    verdict: 'pass',
    startedAt: new Date(start + i * 86_400_000).toISOString(),
    scenario: { name: 'smoke', stages: [{ name: 'steady', durationMs: 10_000, sessions: 200 }] },
    target: { kind: 'embedded' },
    ops: { intended: 1000, total: 1000, errors: 0, intendedPerSecond: 100, achievedPerSecond: 99 },
    latencyMs: { overall: p, byOp: { login: p, request: p } },
    generator: { schedulerLagMs: { p99: 1 }, cpuPercent: { mean: 10, max: 20 }, saturated: false },
    thresholds: [
      { name: 'p99 latency, all operations', limit: '< 10.000 ms', actual: '', pass: true },
      { name: 'p99 latency, login', limit: '< 8.000 ms', actual: '', pass: true },
      { name: 'operations completed / intended', limit: '>= 0.95', actual: '', pass: true },
    ],
    ...over,
  };
}
const night = (i: number, p99: number, over: Record<string, unknown> = {}): Night => ({ summary: nightSummarySchema.parse(raw(i, p99, over)), file: `/hist/night-${i}/summary.json`, reportFile: `/hist/night-${i}/index.html` });

test('limits are read from the threshold texts', () => {
  assert.equal(limitNumber('< 10.000 ms'), 10);
  assert.equal(limitNumber('<= 30000 ms'), 30000);
  assert.equal(limitNumber('>= 0.95'), 0.95);
  assert.equal(limitNumber('0'), 0);
  assert.equal(limitNumber('completed'), null);
});

test('each metric is charted against the limit its night states; a metric without a limit has no limit line', () => {
  const charts = groupCharts([night(0, 2).summary, night(1, 3, { thresholds: [] }).summary]);
  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  assert.deepEqual(byId['latency-all']!.lines.map((l) => [l.label, l.values]), [['p50', [1, 1.5]], ['p99', [2, 3]], ['p99 limit', [10, null]]]);
  assert.deepEqual(byId['latency-login']!.lines.find((l) => l.limit)?.values, [8, null]);
  assert.equal(byId['latency-request']!.lines.some((l) => l.limit), false);
  assert.deepEqual(byId.throughput!.lines.find((l) => l.limit)?.values, [95, null]);
  assert.equal(byId.failover, undefined, 'no failover chart without chaos');
});

test('chaos runs: latency outside chaos windows against the suffixed gates, failover gap and sentinel time', () => {
  const steady = { overall: { p50: 1, p99: 4 }, byOp: { login: { p50: 1, p99: 5 } } };
  const s = night(0, 99, {
    latencyMs: { overall: { p50: 1, p99: 99 }, byOp: { login: { p50: 1, p99: 99 } }, outsideChaos: steady },
    chaos: { experiment: 'kill-two-sentinels', steps: [{ name: 'kill-sentinels', atMs: 3913 }, { name: 'kill-master', atMs: 6505 }] },
    failover: { count: 1, clientObservedMs: 4200, sentinelEvents: [{ t: new Date(start + 9000).toISOString(), event: '+switch-master' }] },
    thresholds: [
      { name: 'p99 latency, login (outside chaos windows)', limit: '< 50.000 ms', actual: '', pass: true },
      { name: 'client-observed write unavailability (worst client)', limit: '<= 30000 ms', actual: '', pass: true },
    ],
  }).summary;
  const byId = Object.fromEntries(groupCharts([s]).map((c) => [c.id, c]));
  assert.deepEqual(byId['latency-login']!.lines.map((l) => l.values[0]), [1, 5, 50]);
  assert.equal(sentinelFailoverMs(s), 9000 - 6505, 'from the latest strike before the switch');
  assert.deepEqual(byId.failover!.lines.map((l) => [l.label, l.values[0]]), [['worst client write gap', 4200], ['sentinel failover time', 2495], ['write gap limit', 30000]]);
  assert.equal(sentinelFailoverMs(night(1, 1).summary), null);
});

test('drift is judged on passing nights only: a failed night neither breaks nor makes a drift', () => {
  const rising = [2, 2.2, 2.4, 2.6, 2.8, 3, 3.2].map((v, i) => night(i * 2, v).summary);
  const withFailed = [...rising, night(5, 50, { verdict: 'fail' }).summary, night(7, 0.1, { verdict: 'invalid' }).summary].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const fired = (ns: typeof rising) => groupDrift(ns, defaultDriftRule).filter((d) => d.assessment.status === 'drift').map((d) => d.metric);
  assert.deepEqual(fired(withFailed), ['p99 latency, all operations', 'p99 latency, login', 'p99 latency, request']);
  const flat = [2, 2, 2, 2, 2, 2, 2].map((v, i) => night(i * 2, v).summary);
  const flatWithRisingFailures = [...flat, ...[3, 4, 5].map((v, k) => night(k * 2 + 1, v, { verdict: 'fail' }).summary)].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  assert.deepEqual(fired(flatWithRisingFailures), []);
});

test('nights are grouped by comparable settings, newest group first, with relative links to their reports', () => {
  const nights = [night(0, 2), night(1, 2, { scenario: { name: 'steady-50k', stages: [] } }), night(2, 2)];
  const h = buildTrendHistory(nights, [], defaultDriftRule, '/hist/trend', new Date(start));
  assert.deepEqual(h.groups.map((g) => g.nights.map((n) => n.runId)), [['night-0', 'night-2'], ['night-1']]);
  assert.equal(h.groups[0]!.nights[0]!.report, '../night-0/index.html');
  assert.equal(h.driftFired, false);
  const drifting = [2, 2.2, 2.4, 2.6, 2.8, 3, 3.2].map((v, i) => night(i, v));
  assert.equal(buildTrendHistory(drifting, [], defaultDriftRule, '/hist/trend', new Date(start)).driftFired, true);
});
