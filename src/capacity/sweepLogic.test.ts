import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextMove, outcomeLine, sweepExitCode, type JudgedStep, type NextMove, type StepClass, type SweepSettings } from './sweepLogic.js';

const settings: SweepSettings = { from: 1000, factor: 1.25, resolution: 0.05, maxSteps: 30, minRate: 1 };

/** Drives the sweep against a target judged by `judge` until it stops; returns the rates tried and the stop. */
function sweep(judge: (rate: number) => StepClass, s: SweepSettings = settings): { steps: JudgedStep[]; end: Extract<NextMove, { kind: 'stop' }> } {
  const steps: JudgedStep[] = [];
  for (;;) {
    const m = nextMove(s, steps);
    if (m.kind === 'stop') return { steps, end: m };
    steps.push({ rate: m.rate, result: judge(m.rate) });
  }
}

test('rises by the factor, stops at the first step over budget, then bisects to within 5 %', () => {
  const { steps, end } = sweep((r) => (r < 2600 ? 'within' : 'over'));
  assert.deepEqual(steps.slice(0, 6).map((s) => Math.round(s.rate)), [1000, 1250, 1563, 1953, 2441, 3052]);
  assert.equal(steps[5]!.result, 'over');
  assert.ok(steps.slice(6).length >= 2, 'bisection steps');
  const o = end.outcome;
  assert.equal(o.kind, 'knee');
  assert.ok(o.lastGood! < 2600 && o.firstBad! >= 2600, JSON.stringify(o));
  assert.ok(o.firstBad! / o.lastGood! - 1 <= 0.05);
  assert.ok(o.firstBad! / o.lastGood! - 1 > 0.0);
  assert.equal(o.harnessLimit, null);
});

test('the harness falling behind stops the sweep as a harness limit, never as a knee', () => {
  const { steps, end } = sweep((r) => (r < 2000 ? 'within' : 'harness-limit'));
  assert.equal(steps.length, 5);
  assert.equal(end.outcome.kind, 'harness-limit');
  assert.equal(Math.round(end.outcome.harnessLimit!), 2441);
  assert.equal(Math.round(end.outcome.lastGood!), 1953);
  assert.equal(end.outcome.firstBad, null);
  assert.equal(sweepExitCode(end.outcome, 100), 2);
  assert.match(outcomeLine(end.outcome, 100), /^harness limit at 2,441 ops\/s: add workers or machines/);
});

test('a harness limit during the bisection leaves the knee the valid steps bracketed', () => {
  const { end } = sweep((r) => (r < 2600 ? 'within' : r < 3000 ? 'harness-limit' : 'over'));
  assert.equal(end.outcome.kind, 'knee');
  assert.equal(Math.round(end.outcome.lastGood!), 2441);
  assert.equal(Math.round(end.outcome.firstBad!), 3052);
  assert.ok(end.outcome.harnessLimit! > 2441 && end.outcome.harnessLimit! < 3052);
  assert.match(end.outcome.note!, /bisection stopped/);
});

test('a first step over budget walks down until one holds, then bisects', () => {
  const { steps, end } = sweep((r) => (r < 500 ? 'within' : 'over'));
  assert.deepEqual(steps.slice(0, 5).map((s) => [Math.round(s.rate), s.result]), [[1000, 'over'], [800, 'over'], [640, 'over'], [512, 'over'], [410, 'within']]);
  assert.equal(end.outcome.kind, 'knee');
  assert.ok(end.outcome.lastGood! < 500 && end.outcome.firstBad! >= 500);
  assert.equal(sweepExitCode(end.outcome, 1000), 1);
  assert.equal(sweepExitCode(end.outcome, 300), 0);
});

test('over budget at every rate down to the floor: a knee with no step within budget, exit 1', () => {
  const { steps, end } = sweep(() => 'over', { ...settings, from: 10, minRate: 5 });
  assert.deepEqual(steps.map((s) => s.rate), [10, 8, 6.4, 5.12]);
  assert.equal(end.outcome.kind, 'knee');
  assert.equal(end.outcome.lastGood, null);
  assert.equal(sweepExitCode(end.outcome, 1), 1);
  assert.match(outcomeLine(end.outcome, 1), /^knee below 5 ops\/s/);
});

test('every step bounded: a target that never breaks stops at the step limit with no knee', () => {
  const { steps, end } = sweep(() => 'within', { ...settings, maxSteps: 6 });
  assert.equal(steps.length, 6);
  assert.equal(end.outcome.kind, 'no-knee');
  assert.equal(sweepExitCode(end.outcome, 2000), 0);
  assert.equal(sweepExitCode(end.outcome, 1e9), 2);
});

test('noise is tolerated: a step within budget above one over budget does not move the bracket past the bad step', () => {
  const results = new Map<number, StepClass>();
  // Over at 1953 (a noisy second), within again at the bisection's midpoints below it.
  const { end } = sweep((r) => {
    const c: StepClass = Math.round(r) === 1953 ? 'over' : r < 2600 ? 'within' : 'over';
    results.set(r, c);
    return c;
  });
  assert.equal(Math.round(end.outcome.firstBad!), 1953);
  assert.ok(end.outcome.lastGood! < 1953);
});

test('an interrupted step stops the sweep with what was measured', () => {
  const m = nextMove(settings, [{ rate: 1000, result: 'within' }, { rate: 1250, result: 'interrupted' }]);
  assert.equal(m.kind, 'stop');
  assert.equal(m.kind === 'stop' && m.outcome.kind, 'interrupted');
  assert.equal(m.kind === 'stop' && m.outcome.lastGood, 1000);
  assert.equal(m.kind === 'stop' && sweepExitCode(m.outcome, 10), 2);
});

test('exit codes: knee above the target rate 0, below it 1', () => {
  const knee = { kind: 'knee', lastGood: 5000, firstBad: 5200, harnessLimit: null, note: null } as const;
  assert.equal(sweepExitCode(knee, 4000), 0);
  assert.equal(sweepExitCode(knee, 6000), 1);
  assert.match(outcomeLine(knee, 6000), /capacity 5,000 ops\/s, below the scenario's target rate 6,000 ops\/s/);
});
