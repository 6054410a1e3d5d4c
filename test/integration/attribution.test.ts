import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyScript, isolatedHome, useDetachedTopology } from './support.js';
import { parseScenario } from '../../src/load/scenario.js';
import { executeRun } from '../../src/run/executeRun.js';
import type { RunPlan } from '../../src/run/runPlan.js';
import type { OperationObserver } from '../../src/load/operationEvent.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();

const stallMs = 8;
const everyMs = 100;

// A 5 ms budget: 8 ms stalls every 100 ms put about 8 % of operations over it, whoever stalls.
// The generator's lag limit is set for the test (the default is 10 % of the budget), so that on a
// busy CI machine only a planted stall can make the run invalid.
const scenario = parseScenario({ ...smoke, thresholds: { p99Ms: 5, maxErrorRate: 0.01 }, generator: { shortWait: 'block', maxSchedulerLagP99Ms: 2, stallThresholdMs: 4 } }, 'attribution');
const plan = (): RunPlan => ({ runId: `attribution-${Math.random().toString(36).slice(2, 8)}`, scenario, scenarioSource: 'attribution', experiment: null, seed: 3, target: 'detached', tls: undefined, allowDestructive: false, writeMode: 'async', verify: true, monitoring: false, metricsPort: undefined, baseline: null });

describe('where the p99 went: the harness stays out of its own measurement', { timeout: 300_000 }, () => {
  const topology = useDetachedTopology();

  test('an unpaused run: the parts at the p99 add up to the p99 within HDR precision', async () => {
    const { summary: s } = await executeRun({ ...plan(), scenario: parseScenario({ ...smoke, thresholds: { p99Ms: 50, maxErrorRate: 0.01 } }, 'clean') });
    const a = s.attribution;
    assert.ok(a?.atP99, JSON.stringify(a));
    const { waitMs, queueMs, replyMs } = a.atP99;
    // HDR's 3 significant digits (the p99 it reports is its bucket's top) and the attribution's 0.1 % buckets.
    assert.ok(Math.abs(waitMs + queueMs + replyMs - a.p99Ms) <= a.p99Ms * 0.003 + 0.002, `${waitMs} + ${queueMs} + ${replyMs} vs p99 ${a.p99Ms}`);
    assert.equal(a.dataPath, 'direct', 'no experiment on the app links: no proxy in the data path');
    assert.ok(a.server.measured && a.server.perCommand.some((c) => c.command === 'evalsha' && c.calls > 100), JSON.stringify(a.server.perCommand));
  });

  test('short periodic stalls of the generator, each below the budget, make the run invalid, naming the generator', async () => {
    let last = 0;
    const stallTheGenerator: OperationObserver = {
      onOperation() {
        const now = performance.now();
        if (now - last < everyMs) return;
        last = now;
        while (performance.now() - now < stallMs) {
          // the generator's own main thread, busy: as a long GC pause would hold it
        }
      },
    };
    const { summary: s } = await executeRun(plan(), { observers: [stallTheGenerator] });
    assert.equal(s.verdict, 'invalid', s.verdictReason);
    assert.equal(s.attribution?.cause?.who, 'generator', JSON.stringify(s.attribution?.cause));
    assert.match(s.verdictReason, /generator/);
  });

  // Not reliable on the 2-core machine yet (issue 12 stays open for it). Measured 2026-11-30 on a
  // quiet machine: the planted stall keeps a core busy 8 % of the time, and the generator's
  // wake-ups wait for a core: scheduler lag p99 1.7-2.8 ms against the test's 2 ms limit. Since
  // the attribution judges the seconds the generator did not stall on their own, and operations
  // complete without an async frame each, the cause it names is the server in 5 of 5 runs
  // ("LATENCY event command up to 8 ms; EVAL 7.43 ms per call") and the verdict is `fail` in 3 of
  // 5; the other 2 are `invalid` by the lag gate alone. Tried and not shipped: the servers pinned
  // to the other core (1 of 2), the servers at nice 10 (lag p99 2.3-3.3 ms, no better). Kept
  // running (todo) so it shows when it passes.
  test("the same stalls of the master's main thread fail the run, naming the server", { todo: 'on 2 cores the stalled master delays the generator\'s wake-ups (issue 12)' }, async () => {
    const master = (await topology().currentMaster())!;
    const staller = master.control().duplicate();
    staller.on('error', () => undefined);
    let stop = false;
    const stalls = (async () => {
      await sleep(1000);
      while (!stop) {
        await staller.eval(busyScript, 0, String(stallMs * 1000)).catch(() => undefined);
        await sleep(everyMs - stallMs);
      }
    })();
    try {
      const { summary: s } = await executeRun(plan());
      assert.equal(s.verdict, 'fail', s.verdictReason);
      assert.equal(s.attribution?.cause?.who, 'server', JSON.stringify(s.attribution));
      assert.match(s.verdictReason, /the server: .*(LATENCY event|EVAL)/);
    } finally {
      stop = true;
      await stalls;
      staller.disconnect();
    }
  });
});
