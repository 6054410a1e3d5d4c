import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isolatedHome, useDetachedTopology } from './support.js';
import { parseScenario } from '../../src/load/scenario.js';
import { executeRun } from '../../src/run/executeRun.js';
import { keptScheduleGate } from '../../src/gates/validityGates.js';
import type { RunPlan } from '../../src/run/runPlan.js';
import type { Summary } from '../../src/report/summarySchema.js';
import type { OperationObserver } from '../../src/load/operationEvent.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();

const stallMs = 10;
const everyMs = 200;

// A 5 ms budget: 10 ms stalls every 200 ms put about 2.5 % of operations over it, whoever stalls.
// A master's stalls below the budget push an operation over it only when they nearly fill it, and
// a p99 breach needs 1 % of operations over it: stalls that short would have to take a fifth of
// the master's time. So both tests plant the same stalls above the budget.
// (8 ms every 100 ms did too, but on 2 cores a master that busy delayed the generator's own
// wake-ups past its lag limit in 2 runs of 5: see the test below.)
// The generator's lag limit is set for the test (the default is 10 % of the budget), so that on a
// busy CI machine only a planted stall can make the run invalid.
const scenario = parseScenario({ ...smoke, thresholds: { p99Ms: 5, maxErrorRate: 0.01 }, generator: { shortWait: 'block', maxSchedulerLagP99Ms: 2, stallThresholdMs: 4 } }, 'attribution');
const longer = parseScenario({ ...smoke, stages: [smoke.stages[0]!, { ...smoke.stages[1]!, duration: '25s' }], thresholds: scenario.thresholds, generator: scenario.generator }, 'attribution-longer');
const plan = (): RunPlan => ({ runId: `attribution-${Math.random().toString(36).slice(2, 8)}`, scenario, scenarioSource: 'attribution', experiment: null, seed: 3, target: 'detached', tls: undefined, allowDestructive: false, writeMode: 'async', verify: true, monitoring: false, metricsPort: undefined, baseline: null });

/**
 * `invalid` only because the generator missed its own schedule: its lag gate is the one failed
 * validity gate. A master held by DEBUG SLEEP leaves its core free, so it does not cause that; the
 * other gate a starved generator fails (its stalls made the breach) is what this file tests, and
 * is never excused here.
 */
function lateOnItsOwnSchedule(s: Summary): boolean {
  const failed = s.thresholds.filter((t) => !t.pass && t.kind === 'validity').map((t) => t.name);
  return s.verdict === 'invalid' && failed.length === 1 && failed[0] === keptScheduleGate;
}

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

  test('short periodic stalls of the generator (10 ms every 200 ms) make the run invalid, naming the generator', async () => {
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

  // CI once failed a run (not `invalid`) on one operation type's p99 while the p99 of all
  // operations held and the generator had stalled: only the p99 of all operations was attributed.
  // Here the overall budget is out of reach, and 40 ms stalls every 150 ms fall in the middle of
  // every other second of the run clock after the ramp (an operation they delay completes in the
  // same second), so the types over the 25 ms budget meet it in the other seconds, on at least
  // the 100 operations a type needs to be cleared (1000 sessions, 20 s). The lag limit
  // is out of the stalls' reach (60 ms), as it was there (lag p99 6.2 ms, limit 10 ms): only whose
  // time the breaches are can make the run `invalid`.
  test("stalls breaching only the per-operation budget make the run invalid, each type's breach the generator's", async () => {
    let last = -Infinity;
    const stallInOddSeconds: OperationObserver = {
      onOperation(e) {
        const second = Math.floor(e.doneMs / 1000);
        const inSecond = e.doneMs % 1000;
        if (second < 3 || second % 2 === 0 || inSecond < 100 || inSecond >= 800 || e.doneMs - last < 150) return;
        last = e.doneMs;
        const now = performance.now();
        while (performance.now() - now < 40) {
          // the generator's main thread, busy
        }
      },
    };
    // 1000 sessions for 20 s, types judged from 300 operations (revokeAll, about 150, is not): a
    // type is cleared only on at least that many operations in the seconds without a stall (half
    // the seconds here: a breach with less evidence stands as the target's). A stall is 10 ms here,
    // so the generator's own GC does not take those seconds.
    const stages = [{ ...smoke.stages[0]!, sessions: 1000 }, { ...smoke.stages[1]!, duration: '20s', sessions: 1000 }];
    const perOperation = parseScenario({ ...smoke, stages, thresholds: { p99Ms: 1000, perOperationP99Ms: 25, minSamplesPerOperation: 300, maxErrorRate: 0.01 }, generator: { ...scenario.generator, maxSchedulerLagP99Ms: 60, stallThresholdMs: 10 } }, 'attribution-per-operation');
    const { summary: s } = await executeRun({ ...plan(), scenario: perOperation }, { observers: [stallInOddSeconds] });
    const a = s.attribution;
    assert.equal(a?.cause, null, 'the p99 of all operations held');
    assert.ok(a.operationBreaches && a.operationBreaches.length > 0, JSON.stringify(a));
    for (const b of a.operationBreaches) assert.equal(b.cause.who, 'generator', JSON.stringify(b));
    assert.ok(a.generator.stalledSeconds < a.generator.seconds, 'seconds without a stall to compare with');
    assert.equal(s.thresholds.find((g) => g.name === keptScheduleGate)?.pass, true, 'the lag gate held');
    assert.equal(s.verdict, 'invalid', s.verdictReason);
    assert.match(s.verdictReason, /the generator's: (login|request|refresh|oauthBegin|oauthComplete|logout|revokeAll): .*without those seconds the \w+ p99 is/);
  });

  // The planted stall holds the master's one thread as the generator's was held above, with
  // DEBUG SLEEP: the thread blocked, its core free. A busy script held it as well but also took a
  // core, and on 2 cores that delayed the generator's own wake-ups (8 ms every 100 ms: scheduler
  // lag p99 1.7-2.8 ms against the test's 2 ms, `invalid` in 2 of 5 runs). And the run lasts 28 s,
  // not the smoke run's 13 s: at ~100 dispatches a second the lag p99 of 13 s rests on its ~13
  // latest dispatches, so a few GC pauses of the generator (up to 27 ms measured in a fresh
  // process) could decide it. Such runs are rightly `invalid`, but say nothing about whether a
  // stall of the target is blamed on the target, which is what this test is for.
  test("the same stalls of the master's main thread fail the run, naming the server", async () => {
    const master = (await topology().currentMaster())!;
    const staller = master.control().duplicate();
    staller.on('error', () => undefined);
    let stop = false;
    const stalls = (async () => {
      await sleep(1000);
      while (!stop) {
        await staller.call('DEBUG', 'SLEEP', String(stallMs / 1000)).catch(() => undefined);
        await sleep(everyMs - stallMs);
      }
    })();
    try {
      let { summary: s } = await executeRun({ ...plan(), scenario: longer });
      if (lateOnItsOwnSchedule(s)) {
        // Once: the generator's own lag gate says this run measured nothing about the target (CI
        // once had lag p99 6.87 ms here, the file running alone). A second such run fails below.
        console.log(`  (invalid on a busy box, rerunning once: ${s.verdictReason})`);
        ({ summary: s } = await executeRun({ ...plan(), scenario: longer }));
      }
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
