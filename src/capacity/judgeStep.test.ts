import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../load/scenario.js';
import smoke from '../../scenarios/smoke.js';
import { HoldRecorder, type HoldFigures } from './holdRecorder.js';
import { judgeStep, type StepRunFacts } from './judgeStep.js';
import type { Attribution } from '../attribution/latencyAttribution.js';
import { event, state } from '../ledger/ledgerEvents.testSupport.js';
import { stepScenario } from './stepLoad.js';

const scenario = stepScenario(parseScenario(smoke, 'smoke'), 100, 10_000);
const p = (p99: number, count = 1000) => ({ p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 1.5, max: p99 * 2, count });
const hold = (o: Partial<HoldFigures> = {}): HoldFigures => ({ overall: p(2), byOp: { request: p(2) }, completed: 1000, errors: 0, beforeHold: 300, ...o });
const validity = (generatorKeptUp: boolean, ranToEnd = true): StepRunFacts['thresholds'] => [
  { name: 'p99 latency, all operations', kind: 'latency', limit: '< 10 ms', actual: '50 ms', pass: false },
  { name: 'generator kept up with its schedule', kind: 'validity', limit: 'lag', actual: generatorKeptUp ? 'ok' : 'scheduler lag p99 4 ms', pass: generatorKeptUp },
  { name: "a latency breach is the target's time, not the generator's", kind: 'validity', limit: '', actual: 'no breach', pass: true },
  { name: 'the run went to the end of its schedule', kind: 'validity', limit: '', actual: ranToEnd ? 'completed' : 'stopped', pass: ranToEnd },
];
const keptUp: StepRunFacts['generator'] = { eventLoopDelayMs: { p99: 5, max: 45 }, saturated: false, reason: null, schedulerLagOutsideChaosMs: { p99: 0.5, max: 3 } };
const late: StepRunFacts['generator'] = { ...keptUp, saturated: true, reason: 'scheduler lag p99 4 ms outside chaos windows exceeds 1 ms', schedulerLagOutsideChaosMs: { p99: 4, max: 30 } };
const run = (o: Partial<StepRunFacts> = {}): StepRunFacts => ({ aborted: false, thresholds: validity(true), attribution: null, ops: { intended: 1300 }, generator: keptUp, ...o });
/** For the tests of the load gates: a run that attributed nothing (the hold's attribution is then none too). */
const noSpan = new HoldRecorder(0, 1).span(() => false);

test('within budget: every hold gate and every validity gate held; the whole-run latency gate (ramp included) is not the hold\'s', () => {
  const j = judgeStep(scenario, run(), hold(), noSpan);
  assert.equal(j.result, 'within', j.reasons.join('; '));
  assert.equal(j.intendedOps, 1000);
  assert.ok(j.gates.some((g) => g.name === 'p99 latency, all operations (hold)' && g.pass));
  assert.ok(!j.gates.some((g) => g.name === 'p99 latency, all operations'));
});

test('over budget: the hold\'s p99, its errors, or completed/intended under 0.97', () => {
  assert.equal(judgeStep(scenario, run(), hold({ overall: p(12) }), noSpan).result, 'over');
  const errors = judgeStep(scenario, run(), hold({ errors: 5 }), noSpan);
  assert.equal(errors.result, 'over');
  assert.match(errors.reasons.join(), /error rate \(hold\)/);
  // 1,000 of 1,040 intended in the hold completed: 0.962.
  const short = judgeStep(scenario, run({ ops: { intended: 1340 } }), hold({ completed: 1000 }), noSpan);
  assert.equal(short.result, 'over');
  assert.match(short.reasons.join(), /operations completed \/ intended \(hold\): 0\.962 /);
});

test('the generator falling behind makes the step the harness\'s limit, even when the hold is also over budget', () => {
  assert.equal(judgeStep(scenario, run({ thresholds: validity(false), generator: late }), hold(), noSpan).result, 'harness-limit');
  assert.equal(judgeStep(scenario, run({ thresholds: validity(false), generator: late }), hold({ overall: p(50) }), noSpan).result, 'harness-limit');
});

test('a stopped step is interrupted, not a harness limit', () => {
  assert.equal(judgeStep(scenario, run({ aborted: true, thresholds: validity(true, false) }), hold(), noSpan).result, 'interrupted');
});

/** The run's attribution as a step reads it: its generator, server and data-path figures (the rest is the hold's own). */
const runAttribution = (cause: Attribution['cause'] = null): Attribution => ({
  scope: 'all operations', budgetMs: 10, p99Ms: cause ? 12 : 3, serviceP99Ms: 2, atP99: null, overBudget: null, cause,
  generator: { schedulerLagP99Ms: 0.5, maxSchedulerLagP99Ms: 1, gcCount: 100, gcMaxMs: 40, gcOver2Ms: 6, eventLoopDelayMaxMs: 45, stalledSeconds: 3, seconds: 13, stallThresholdMs: 2.5, p99HealthySecondsMs: 2, opsHealthySeconds: 10_000, cpuWaitMaxPerSecondMs: 20 },
  server: { measured: true, why: null, perCommand: [], latencyEvents: [], latencyThresholdMs: 2, forks: 0, latestForkUs: 0, aofDelayedFsync: 0, perSecond: [] },
  dataPath: 'direct', proxy: null,
});

/**
 * A hold from 3 s to 13 s: 100 requests a second, each 2 ms to send and reply, except in the
 * seconds listed as slow (`slowMs` each); `errors` of the first second's timed out. The seconds
 * run 4 to 13 (by completion).
 */
function heldRecorder(slow: readonly number[], errors = 0, slowMs = 80): HoldRecorder {
  const hold = new HoldRecorder(3000, 13_000);
  const e = event('request', state());
  for (let second = 4; second <= 13; second++) {
    for (let k = 0; k < 100; k++) {
      e.intendedMs = (second - 1) * 1000 + k * 5;
      e.readyMs = e.intendedMs;
      e.sentMs = e.intendedMs;
      e.doneMs = e.intendedMs + (slow.includes(second) ? slowMs : 2);
      e.second = second;
      e.error = second === 4 && k < errors ? 'timeout' : null;
      hold.onOperation(e);
    }
  }
  return hold;
}

test('a hold over budget in the seconds the generator stalled is the harness\'s limit, though the whole run (its ramp included) met the budget', () => {
  const hold = heldRecorder([6, 9]);
  const stalledIn = (t: number) => t === 6 || t === 9;
  const j = judgeStep(scenario, run({ attribution: runAttribution(), ops: { intended: 1000 } }), hold.figures(), hold.span(stalledIn));
  assert.equal(j.result, 'harness-limit', j.reasons.join('; '));
  assert.match(j.reasons.join('; '), /a latency breach is the target's time, not the generator's: the generator's: the generator stalled in 2 of 10 seconds .*without those seconds the p99 is 2(\.\d+)? ms/);
  // The same hold, the generator stalling in none of its seconds: the target's time, over the knee.
  const target = judgeStep(scenario, run({ attribution: runAttribution(), ops: { intended: 1000 } }), hold.figures(), hold.span(() => false));
  assert.equal(target.result, 'over', target.reasons.join('; '));
  assert.match(target.reasons.join('; '), /p99 latency, all operations \(hold\): 80\.\d+ ms \(the network or the target: /);
});

test('a stall that breached the whole run in its ramp does not make a hold that met its budget a harness limit', () => {
  const hold = heldRecorder([]);
  const rampStall = validity(true).map((t) => (t.name === "a latency breach is the target's time, not the generator's" ? { ...t, actual: "the generator's: stalls in the ramp", pass: false } : t));
  // The run's second 2 stalled; no operation of the hold completed in it.
  const j = judgeStep(scenario, run({ thresholds: rampStall, attribution: runAttribution({ who: 'generator', why: 'stalls in the ramp' }), ops: { intended: 1000 } }), hold.figures(), hold.span((t) => t === 2));
  assert.equal(j.result, 'within', j.reasons.join('; '));
});

test("the hold's own breach is outweighed by the hold's errors only", () => {
  const stalledIn = (t: number) => t === 6 || t === 9;
  // The hold's errors held: its latency breach is the generator's own, so the step is the harness's limit, though the run's errors (its ramp's) outweighed the run's own breach.
  const quiet = heldRecorder([6, 9]);
  const runOwn = validity(true).map((t) => (t.name === "a latency breach is the target's time, not the generator's" ? { ...t, actual: "the generator's: stalls", pass: false, outweighed: 'the error rate failed (2.000 %)' } : t));
  assert.equal(judgeStep(scenario, run({ thresholds: runOwn, attribution: runAttribution(), ops: { intended: 1000 } }), quiet.figures(), quiet.span(stalledIn)).result, 'harness-limit');
  // 50 of the hold's 1,000 timed out: the target's, so the step is over the knee.
  const erring = heldRecorder([6, 9], 50);
  const over = judgeStep(scenario, run({ attribution: runAttribution(), ops: { intended: 1000 } }), erring.figures(), erring.span(stalledIn));
  assert.equal(over.result, 'over', over.reasons.join('; '));
  assert.match(over.reasons.join(), /error rate \(hold\)/);
});

test("a late generator is outweighed by the hold's own reply times only", () => {
  const lateGate = validity(false);
  // Reply times of 200 ms in 2 of 10 seconds: past the budget by more than twice the run's longest event-loop delay (45 ms).
  const slowReplies = heldRecorder([6, 9], 0, 200);
  const over = judgeStep(scenario, run({ thresholds: lateGate, generator: late, attribution: runAttribution(), ops: { intended: 1000 } }), slowReplies.figures(), slowReplies.span(() => false));
  assert.equal(over.result, 'over', over.reasons.join('; '));
  assert.match(over.reasons.join('; '), /generator kept up with its schedule: scheduler lag p99 4 ms outside chaos windows exceeds 1 ms; not decisive: the reply times alone/);
  // 80 ms replies are within that margin: the late generator decides, whatever the run's own reply times said.
  const nearer = heldRecorder([6, 9]);
  const lateOutweighedByTheRun = lateGate.map((t) => (t.name === 'generator kept up with its schedule' ? { ...t, actual: "scheduler lag p99 4 ms; not decisive: the run's reply times", outweighed: "the run's reply times" } : t));
  const j = judgeStep(scenario, run({ thresholds: lateOutweighedByTheRun, generator: late, attribution: runAttribution(), ops: { intended: 1000 } }), nearer.figures(), nearer.span(() => false));
  assert.equal(j.result, 'harness-limit', j.reasons.join('; '));
  assert.doesNotMatch(j.reasons.join('; '), /not decisive/);
});

test("one type over its budget only in the seconds the generator stalled is the generator's; in the others, the target's", () => {
  // 1,000 requests of 2 ms and 200 refreshes, 10 of them 80 ms in second 6: the p99 of all operations holds, the refreshes' does not.
  const hold = heldRecorder([]);
  const e = event('refresh', state());
  for (let second = 4; second <= 13; second++) {
    for (let k = 0; k < 20; k++) {
      e.intendedMs = e.readyMs = e.sentMs = (second - 1) * 1000 + 2 + k * 40;
      e.doneMs = e.intendedMs + (second === 6 && k < 10 ? 80 : 2);
      e.second = second;
      hold.onOperation(e);
    }
  }
  const facts = run({ attribution: runAttribution(), ops: { intended: 1200 } });
  const stalled = judgeStep(scenario, facts, hold.figures(), hold.span((t) => t === 6));
  assert.equal(stalled.result, 'harness-limit', stalled.reasons.join('; '));
  assert.match(stalled.reasons.join('; '), /refresh: the generator stalled in 1 of 10 seconds .*without those seconds the refresh p99 is 2(\.\d+)? ms over 180 operations/);
  const target = judgeStep(scenario, facts, hold.figures(), hold.span(() => false));
  assert.equal(target.result, 'over', target.reasons.join('; '));
  assert.match(target.reasons.join('; '), /p99 latency, refresh \(hold\): 80\.\d+ ms \(the network or the target: /);
});

test("a hold over budget by the generator's own queueing is the harness's limit, though it stalled in no second", () => {
  const hold = new HoldRecorder(3000, 13_000);
  const e = event('request', state());
  for (let second = 4; second <= 13; second++) {
    for (let k = 0; k < 100; k++) {
      e.intendedMs = e.readyMs = (second - 1) * 1000 + k * 5;
      // In seconds 6 and 9 each operation waited 78 ms to be sent (the in-flight limit's backlog), then took 2 ms.
      e.sentMs = e.intendedMs + (second === 6 || second === 9 ? 78 : 0);
      e.doneMs = e.sentMs + 2;
      e.second = second;
      hold.onOperation(e);
    }
  }
  const j = judgeStep(scenario, run({ attribution: runAttribution(), ops: { intended: 1000 } }), hold.figures(), hold.span(() => false));
  assert.equal(j.result, 'harness-limit', j.reasons.join('; '));
  assert.match(j.reasons.join('; '), /over the 10 ms budget \(200 operations\), on average 78(\.\d+)? ms of 80(\.\d+)? ms is the generator's own queueing before the send/);
});
