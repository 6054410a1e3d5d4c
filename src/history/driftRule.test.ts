import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessDrift, defaultDriftRule, driftRuleProblem, type DriftRule } from './driftRule.js';

const nights = (values: number[]) => values.map((value, i) => ({ runId: `r${i}`, value }));
const rule: DriftRule = { window: 7, rising: 5, minRisePct: 15, minRiseMs: 0.5 };

test('3 % a night for a week fires: every step rises and the week adds about 19 %', () => {
  const a = assessDrift(nights([4, 4.12, 4.24, 4.37, 4.5, 4.64, 4.78]), rule);
  assert.equal(a.status, 'drift');
  assert.equal(a.risingSteps, 6);
  assert.equal(a.risePct, 19.5);
});

test('only the last `window` nights are judged: an old rise followed by a flat week does not fire', () => {
  const a = assessDrift(nights([2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8, 8, 8, 8]), rule);
  assert.equal(a.status, 'no-drift');
  assert.deepEqual(a.runIds, ['r7', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13']);
});

test('noise with no trend does not fire even when the last night is high', () => {
  assert.equal(assessDrift(nights([4, 4.6, 4.1, 4.5, 4.0, 4.4, 4.9]), rule).status, 'no-drift');
});

test('rising in fewer than `rising` steps does not fire, one more rising step does', () => {
  // 4 of 6 steps rise (two dips), +50 %: the rise is large but not steady enough.
  const twoDips = nights([4, 4.5, 4.3, 5, 4.8, 5.6, 6]);
  assert.equal(assessDrift(twoDips, rule).status, 'no-drift');
  assert.equal(assessDrift(twoDips, { ...rule, rising: 4 }).status, 'drift');
  // One dip: 5 of 6.
  assert.equal(assessDrift(nights([4, 4.5, 5, 4.8, 5.2, 5.6, 6]), rule).status, 'drift');
});

test('a steady rise below the percentage or below the absolute floor does not fire', () => {
  // +12 % (0.6 ms): every step rises, but less than 15 % over the week.
  const slow = nights([5, 5.1, 5.2, 5.3, 5.4, 5.5, 5.6]);
  assert.equal(assessDrift(slow, rule).status, 'no-drift');
  assert.equal(assessDrift(slow, { ...rule, minRisePct: 10 }).status, 'drift');
  // +100 % but only 0.3 ms: sub-millisecond wobble of a very fast operation.
  const tiny = nights([0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]);
  assert.equal(assessDrift(tiny, rule).status, 'no-drift');
  assert.equal(assessDrift(tiny, { ...rule, minRiseMs: 0.2 }).status, 'drift');
});

test('fewer nights than the window are not judged', () => {
  assert.deepEqual(assessDrift(nights([1, 2, 3, 4, 5, 6]), rule), { status: 'too-few-nights', nights: 6 });
  assert.equal(assessDrift(nights([1, 2, 3, 4, 5, 6, 7]), rule).status, 'drift');
});

test('a rise from 0 fires on the absolute floor alone', () => {
  const a = assessDrift(nights([0, 1, 2, 3, 4, 5, 6]), rule);
  assert.equal(a.status, 'drift');
  assert.equal(a.risePct, null);
});

test('rules from the command line are checked', () => {
  assert.equal(driftRuleProblem(defaultDriftRule), null);
  assert.match(driftRuleProblem({ ...rule, window: 2 }) ?? '', /--window/);
  assert.match(driftRuleProblem({ ...rule, rising: 7 }) ?? '', /--rising must be a whole number from 1 to 6/);
  assert.match(driftRuleProblem({ ...rule, minRisePct: -1 }) ?? '', /--min-rise-pct/);
  assert.match(driftRuleProblem({ ...rule, minRiseMs: Number.NaN }) ?? '', /--min-rise-ms/);
});
