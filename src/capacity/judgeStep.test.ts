import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario } from '../load/scenario.js';
import smoke from '../../scenarios/smoke.js';
import type { HoldFigures } from './holdRecorder.js';
import { judgeStep, type StepRunFacts } from './judgeStep.js';
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
const run = (o: Partial<StepRunFacts> = {}): StepRunFacts => ({ aborted: false, thresholds: validity(true), attribution: null, ops: { intended: 1300 }, generator: { eventLoopDelayMs: { p99: 5, max: 45 } }, ...o });

test('within budget: every hold gate and every validity gate held; the whole-run latency gate (ramp included) is not the hold\'s', () => {
  const j = judgeStep(scenario, run(), hold());
  assert.equal(j.result, 'within', j.reasons.join('; '));
  assert.equal(j.intendedOps, 1000);
  assert.ok(j.gates.some((g) => g.name === 'p99 latency, all operations (hold)' && g.pass));
  assert.ok(!j.gates.some((g) => g.name === 'p99 latency, all operations'));
});

test('over budget: the hold\'s p99, its errors, or completed/intended under 0.97', () => {
  assert.equal(judgeStep(scenario, run(), hold({ overall: p(12) })).result, 'over');
  const errors = judgeStep(scenario, run(), hold({ errors: 5 }));
  assert.equal(errors.result, 'over');
  assert.match(errors.reasons.join(), /error rate \(hold\)/);
  // 1,000 of 1,040 intended in the hold completed: 0.962.
  const short = judgeStep(scenario, run({ ops: { intended: 1340 } }), hold({ completed: 1000 }));
  assert.equal(short.result, 'over');
  assert.match(short.reasons.join(), /operations completed \/ intended \(hold\): 0\.962 /);
});

test('the generator falling behind makes the step the harness\'s limit, even when the hold is also over budget', () => {
  assert.equal(judgeStep(scenario, run({ thresholds: validity(false) }), hold()).result, 'harness-limit');
  assert.equal(judgeStep(scenario, run({ thresholds: validity(false) }), hold({ overall: p(50) })).result, 'harness-limit');
});

test('a stopped step is interrupted, not a harness limit', () => {
  assert.equal(judgeStep(scenario, run({ aborted: true, thresholds: validity(true, false) }), hold()).result, 'interrupted');
});

test("the run's own breach outweighed by its errors (ramp included) outweighs the hold's only when the hold's errors failed too", () => {
  const own = validity(true).map((t) => (t.name === "a latency breach is the target's time, not the generator's" ? { ...t, actual: "the generator's: stalls", pass: false, outweighed: 'the error rate failed (2.000 %)' } : t));
  // The hold's errors held: its latency breach is the generator's own, so the step is the harness's limit.
  assert.equal(judgeStep(scenario, run({ thresholds: own }), hold({ overall: p(50) })).result, 'harness-limit');
  // The hold's errors failed too: the target's, so the step is over the knee.
  const over = judgeStep(scenario, run({ thresholds: own }), hold({ overall: p(50), errors: 50 }));
  assert.equal(over.result, 'over');
  assert.match(over.reasons.join(), /error rate \(hold\)/);
});

test("a hold gate's cause is the whole run's attribution, and says so", () => {
  const cause = { who: 'server' as const, why: 'the master stalled' };
  // Only what the load gates read of the run's attribution.
  const attribution = { cause, operationBreaches: [{ op: 'request', cause }] } as unknown as StepRunFacts['attribution'];
  const j = judgeStep(scenario, run({ attribution }), hold({ overall: p(12), byOp: { request: p(12) } }));
  assert.equal(j.result, 'over');
  assert.match(j.reasons.join('; '), /p99 latency, all operations \(hold\): 12\.000 ms \(over the whole run: the master stalled\)/);
  assert.match(j.reasons.join('; '), /p99 latency, request \(hold\): 12\.000 ms \(over the whole run: the master stalled\)/);
});
