import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, type ScenarioInput } from '../load/scenario.js';
import { ratePlan, totalRate, type RateSegment } from './k6RatePlan.js';

function scenario(stages: ScenarioInput['stages'], meanLifetime = '30m'): ReturnType<typeof parseScenario> {
  return parseScenario(
    {
      name: 'plan-test',
      description: '',
      stages,
      session: {
        thinkTime: { distribution: 'exponential', meanMs: 8000 },
        mix: { request: 84, refresh: 10, oauth: 5, revokeAll: 1 },
        meanLifetime,
        ttl: { session: '30m', refreshToken: '2h', oauthState: '5m' },
      },
      clients: { instances: 1 },
      thresholds: { p99Ms: 10, maxErrorRate: 0.001 },
    },
    'test',
  );
}

const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);
const integral = (segs: RateSegment[], k: 'login' | 'action' | 'logout'): number => segs.reduce((sum, s) => sum + ((s.start[k] + s.end[k]) / 2) * (s.durationMs / 1000), 0);

test('session stages: ramp logins, actions = sessions / mean think time, churn = sessions / lifetime', () => {
  const p = ratePlan(scenario([
    { name: 'up', duration: '30s', sessions: 50_000 },
    { name: 'hold', duration: '60s', sessions: 50_000 },
    { name: 'down', duration: '10s', sessions: 0 },
  ]));
  assert.equal(p.segments.length, 3);
  const [up, hold, down] = p.segments as [RateSegment, RateSegment, RateSegment];
  near(up.start.login, 50_000 / 30, 'ramp-up logins at start');
  near(up.start.action, 0, 'no actions before sessions exist');
  near(up.end.action, 50_000 / 8, 'actions at the top: 6,250/s');
  near(up.end.logout, 50_000 / 1800, 'churn logouts at the top');
  near(hold.start.action, hold.end.action, 'a hold is flat');
  near(hold.start.login, 50_000 / 1800, 'a hold logs in only to replace ended sessions');
  near(down.start.logout, 5000 + 50_000 / 1800, 'ramp-down logouts');
  near(down.end.action, 0, 'no actions once all sessions are gone');
  // The ramp logs in every session once, plus churn: the integral of the ramp rate is the target.
  near(integral([up], 'login') - integral([up], 'logout'), 50_000, 'sessions logged in by the ramp, net of churn');
  near(p.peakRate, 50_000 / 8 + 5000 + 2 * (50_000 / 1800), 'peak: the first instant of the ramp-down');
  near(p.expectedOperations, integral(p.segments, 'login') + integral(p.segments, 'action') + integral(p.segments, 'logout'), 'expected operations');
  assert.ok(p.segments.every((s) => s.replaceEnded));
});

test('loginRate stages: every login at its rate; sessions accumulate and decay with their lifetime', () => {
  const p = ratePlan(scenario([
    { name: 'a', duration: '10s', loginRate: 1000 },
    { name: 'b', duration: '5s', loginRate: 4000 },
  ], '20s'));
  near(integral(p.segments, 'login'), 1000 * 10 + 4000 * 5, 'logins');
  assert.equal(p.segments.reduce((t, s) => t + s.durationMs, 0), 15_000, 'pieces cover the stages exactly');
  assert.ok(p.segments.every((s) => !s.replaceEnded));
  // After stage a: N = rate·L·(1 - e^(-t/L)) with L = 20 s.
  const endOfA = p.segments[9]!;
  near(endOfA.end.action, (1000 * 20 * (1 - Math.exp(-10 / 20))) / 8, 'actions follow the expected live sessions');
  near(endOfA.end.logout, 1000 * (1 - Math.exp(-10 / 20)), 'logouts = sessions / lifetime');
  near(p.segments[10]!.start.action, endOfA.end.action, 'the session curve is continuous across stages');
});

test('a session stage after a loginRate stage ends the sessions above its ramp start within its first second', () => {
  const p = ratePlan(scenario([
    { name: 'storm', duration: '10s', loginRate: 100 },
    { name: 'hold', duration: '10s', sessions: 200 },
  ]));
  const storm = p.segments.slice(0, 10);
  const live = integral(storm, 'login') - integral(storm, 'logout');
  const [adjust, rest] = p.segments.slice(10) as [RateSegment, RateSegment];
  assert.equal(adjust.durationMs, 1000);
  assert.equal(rest.durationMs, 9000);
  // The session stage ramps from 0 (no earlier session stage) to 200; the storm left ~990 sessions.
  near(integral([adjust], 'logout') - integral([adjust], 'login'), live - 200 / 10, 'excess ended in the first second (net of the ramp)');
  assert.ok(totalRate(rest.start) < totalRate(adjust.start));
});
