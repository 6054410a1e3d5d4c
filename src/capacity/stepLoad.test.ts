import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, type ScenarioInput } from '../load/scenario.js';
import steady50k from '../../scenarios/steady-50k.js';
import loginStorm from '../../scenarios/login-storm.js';
import { ratePlan } from '../export/k6RatePlan.js';
import { holdWindow, rampMs, ratePerSession, scenarioTargetRate, sessionsForRate, stepScenario } from './stepLoad.js';

const steady = parseScenario(steady50k, 'steady-50k');

test('steady-50k: a session acts every 8 s (its last action the logout) and a new one logs in per 30 min lifetime; its target rate is the held 50,000 sessions', () => {
  assert.ok(Math.abs(ratePerSession(steady) - (1 / 8 + 1 / 1800)) < 1e-12);
  assert.ok(Math.abs(scenarioTargetRate(steady) - 50_000 * (1 / 8 + 1 / 1800)) < 1e-6);
});

test('a scenario that never holds a level (a login storm) targets its peak rate', () => {
  const s = parseScenario(loginStorm, 'login-storm');
  assert.equal(scenarioTargetRate(s), ratePlan(s).peakRate);
});

test('a step keeps think time, mix and clients, ramps then holds the sessions of its rate, and holds throughput to 0.97', () => {
  const step = stepScenario(steady, 2000, 30_000);
  assert.equal(sessionsForRate(steady, 2000), Math.round(2000 / ratePerSession(steady)));
  assert.deepEqual(step.stages.map((x) => [x.name, x.duration, x.sessions]), [['ramp-up', 20_000, 15_929], ['hold', 30_000, 15_929]]);
  assert.deepEqual(step.session, steady.session);
  assert.deepEqual(step.clients, steady.clients);
  assert.equal(step.thresholds.p99Ms, steady.thresholds.p99Ms);
  assert.equal(step.thresholds.minThroughputRatio, 0.97);
  assert.deepEqual(holdWindow(step), { startMs: 20_000, endMs: 50_000 });
  // A scenario asking for more than 0.97 keeps its own floor.
  const strict = parseScenario({ ...(steady50k as ScenarioInput), thresholds: { ...steady.thresholds, minThroughputRatio: 0.99 } }, 'strict');
  assert.equal(stepScenario(strict, 100, 5000).thresholds.minThroughputRatio, 0.99);
});

test('the ramp is four think times, between 3 and 20 s', () => {
  const withThink = (ms: number) => parseScenario({ ...(steady50k as ScenarioInput), session: { ...(steady50k as ScenarioInput).session, thinkTime: { distribution: 'constant', ms } } }, 'x');
  assert.equal(rampMs(withThink(100)), 3000);
  assert.equal(rampMs(withThink(2000)), 8000);
  assert.equal(rampMs(steady), 20_000);
});
