import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeLatency } from '../attribution/latencyAttribution.js';
import { LatencyRecorder } from '../load/latencyRecorder.js';
import { loadNotStarted, type LoadResult } from '../load/loadResult.js';
import { op, parseScenario, totalDurationMs } from '../load/scenario.js';
import smoke from '../../scenarios/smoke.js';
import { buildGates } from './buildGates.js';
import { judge } from './gate.js';

const scenario = parseScenario({ ...smoke, thresholds: { ...smoke.thresholds, p99Ms: 50, perOperationP99Ms: 50, maxErrorRate: 0.001 } }, 'smoke');
const quietServer = { measured: true, why: null, perCommand: [], latencyEvents: [], latencyThresholdMs: 2, forks: 0, latestForkUs: 0, aofDelayedFsync: 0, perSecond: [] };

/**
 * 13 s of requests (1000 a second, 2 ms each) through a real recorder; every one 80 ms in the
 * seconds the generator stalled (3, 7 and 11: its own breach), and `errors` of them timed out in second 2.
 */
function stalledRun(errors: number, eventLoopDelayMaxMs: number): LoadResult {
  const stalled = [3, 7, 11];
  const load = loadNotStarted(scenario);
  const recorder = new LatencyRecorder(load.windows, (t) => stalled.includes(t));
  for (let s = 0; s < 13; s++) {
    for (let k = 0; k < 1000; k++) {
      const at = s * 1000 + k;
      recorder.record(op.request, at, at, at, at + (stalled.includes(s + 1) ? 80 : 2), s === 1 && k < errors ? 'timeout' : null);
    }
    recorder.closeInterval(s + 1);
  }
  recorder.settleAll();
  const generator = { ...load.generator, saturated: false, reason: null, stalledSeconds: stalled.length, eventLoopDelayMs: { p99: 20, max: eventLoopDelayMaxMs } };
  const generatorSeconds = Array.from({ length: 13 }, (_, s) => ({ t: s + 1, inChaosWindow: false }) as LoadResult['generatorSeconds'][number]);
  return { ...load, recorder, generator, generatorSeconds, aborted: false, durationMs: totalDurationMs(scenario), intendedOps: 13_000 };
}

const gatesOf = (load: LoadResult) => {
  const attribution = attributeLatency({ load, thresholds: scenario.thresholds, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(attribution.cause?.who, 'generator', 'the p99 breach is the stalls');
  return buildGates({ scenario, load, chaos: null, failover: null, ledger: null, abortReason: null, attribution });
};

test("a run's errors fail it beside a latency breach that is the generator's own; without them, or with stalls as long as a quarter of the command timeout, it is invalid", () => {
  const failed = judge(gatesOf(stalledRun(50, 45)));
  assert.equal(failed.verdict, 'fail');
  assert.match(failed.reason, /^failed: error rate \(.*; also failed, on the generator's own stalls: p99 latency, all operations/);
  assert.equal(judge(gatesOf(stalledRun(0, 45))).verdict, 'invalid');
  assert.equal(judge(gatesOf(stalledRun(50, 250))).verdict, 'invalid');
});
