import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PopulationPlan } from './populationPlan.js';

const plan = new PopulationPlan([
  { name: 'ramp-up', duration: 10_000, sessions: 1000 },
  { name: 'steady', duration: 20_000, sessions: 1000 },
  { name: 'ramp-down', duration: 10_000, sessions: 0 },
]);

test('ramps linearly, holds, and ramps down', () => {
  assert.equal(plan.totalMs, 40_000);
  assert.equal(plan.targetSessions(0), 0);
  assert.equal(plan.targetSessions(5000), 500);
  assert.equal(plan.targetSessions(20_000), 1000);
  assert.equal(plan.targetSessions(35_000), 500);
  assert.equal(plan.stageAt(12_000).name, 'steady');
});

test('the k-th login of a ramp has an evenly spaced intended time', () => {
  assert.equal(plan.timeOfCount(0, 1), 10);
  assert.equal(plan.timeOfCount(0, 500), 5000);
  assert.equal(plan.timeOfCount(2, 250), 37_500);
});

test('loginRate stages have no session target', () => {
  const p = new PopulationPlan([{ name: 'storm', duration: 1000, loginRate: 100 }]);
  assert.equal(p.targetSessions(500), null);
});
