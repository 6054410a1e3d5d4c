import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../load/loadScenario.js';
import { applyOverrides, type Scenario } from '../load/scenario.js';
import * as keys from '../load/session/sessionKeys.js';
import * as operations from '../load/session/sessionOperations.js';
import { k6Script } from './k6Script.js';
import { ratePlan } from './k6RatePlan.js';
import { scriptOptions } from './k6ThresholdLint.js';

interface K6Scenario {
  executor: string;
  startRate: number;
  timeUnit: string;
  preAllocatedVUs: number;
  maxVUs: number;
  stages: Array<{ duration: string; target: number }>;
  gracefulStop: string;
}

function optionsOf(script: string): { scenarios: Record<string, K6Scenario>; thresholds: Record<string, string[]> } {
  const o = scriptOptions(script);
  assert.notEqual(typeof o, 'string', String(o));
  return o as unknown as { scenarios: Record<string, K6Scenario>; thresholds: Record<string, string[]> };
}

const ms = (d: string): number => (d.endsWith('ms') ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000);

/** Iterations k6 starts over the stages: the area under its piecewise-linear rate (per minute). */
function k6Iterations(sc: K6Scenario): number {
  let from = sc.startRate;
  let total = 0;
  for (const st of sc.stages) {
    total += ((from + st.target) / 2 / 60) * (ms(st.duration) / 1000);
    from = st.target;
  }
  return total;
}

const scenario = async (name: string): Promise<Scenario> => (await loadScenario(name)).scenario;

test('steady-50k: one ramping-arrival-rate scenario offering the plan, with jumps as zero-length stages', async () => {
  const s = await scenario('steady-50k');
  const { scenarios } = optionsOf(k6Script(s));
  const sc = scenarios.sessions!;
  assert.deepEqual(Object.keys(scenarios), ['sessions']);
  assert.equal(sc.executor, 'ramping-arrival-rate');
  assert.equal(sc.timeUnit, '1m');
  assert.equal(sc.startRate, Math.round((50_000 / 30) * 60), 'starts at the ramp login rate');
  assert.deepEqual(sc.stages.map((st) => st.duration), ['30s', '0s', '60s', '0s', '10s']);
  assert.equal(sc.stages[2]!.target, Math.round((6250 + (2 * 50_000) / 1800) * 60), 'the hold: 6,250 actions/s plus churn');
  const plan = ratePlan(s);
  assert.ok(Math.abs(k6Iterations(sc) - plan.expectedOperations) < 10, `${k6Iterations(sc)} iterations vs ${plan.expectedOperations} planned`);
  assert.equal(sc.preAllocatedVUs, Math.ceil(plan.peakRate * 2 * 0.01), 'twice the p99 budget at the peak rate');
  assert.equal(sc.maxVUs, sc.preAllocatedVUs * 5);
  assert.equal(sc.gracefulStop, '6s', 'command timeout 1 s × (2 retries + 2) + 2 s');
  const total = sc.stages.reduce((t, st) => t + ms(st.duration), 0);
  assert.equal(total, 100_000, 'the stages last as long as the scenario');
});

test('login-storm: every stage kind maps onto the same executor and the logins add up', async () => {
  const s = await scenario('login-storm');
  const sc = optionsOf(k6Script(s)).scenarios.sessions!;
  assert.equal(sc.stages.reduce((t, st) => t + ms(st.duration), 0), 25_000);
  assert.ok(Math.abs(k6Iterations(sc) - ratePlan(s).expectedOperations) < 10);
});

test('overrides reach the script (--sessions scales the stages)', async () => {
  const s = applyOverrides(await scenario('steady-50k'), { sessions: 5000 });
  const sc = optionsOf(k6Script(s)).scenarios.sessions!;
  assert.equal(sc.stages[2]!.target, Math.round((625 + (2 * 5000) / 1800) * 60));
});

test('thresholds: p99 overall and per offered operation, error rate, dropped iterations', async () => {
  const storm = await scenario('login-storm');
  const t = optionsOf(k6Script(storm)).thresholds;
  assert.deepEqual(t['iteration_duration{scenario:sessions}'], ['p(99)<10']);
  assert.deepEqual(t['iteration_duration{op:login}'], ['p(99)<10']);
  assert.deepEqual(t['iteration_duration{op:refresh}'], ['p(99)<10']);
  assert.equal(t['iteration_duration{op:oauthBegin}'], undefined, 'login-storm has no OAuth in its mix');
  assert.equal(t['iteration_duration{op:revokeAll}'], undefined);
  assert.deepEqual(t.session_op_errors, ['rate<=0.001']);
  const allowed = Math.floor((1 - storm.thresholds.minThroughputRatio) * ratePlan(storm).expectedOperations);
  assert.deepEqual(t.dropped_iterations, [`count<=${allowed}`]);

  const noPerOp = { ...storm, thresholds: { ...storm.thresholds, perOperationP99Ms: undefined, maxErrorRate: 0.0000001 } };
  const t2 = optionsOf(k6Script(noPerOp)).thresholds;
  assert.deepEqual(Object.keys(t2).filter((k) => k.includes('{op:')), [], 'no per-operation gate when the scenario has none');
  assert.deepEqual(t2.session_op_errors, ['rate<=0.0000001'], 'no exponent in a threshold');
});

test('the key functions in the script build the same keys as src/load/session/sessionKeys.ts', async () => {
  const script = k6Script(await scenario('smoke'));
  const section = script.slice(script.indexOf('// The key schema'), script.indexOf('const opErrors'));
  const names = ['sessionKey', 'refreshTokenKey', 'tokenFamilyKey', 'userSessionsKey', 'oauthStateKey'] as const;
  const built = new Function(`${section}\nreturn { ${names.join(', ')} };`)() as Record<(typeof names)[number], (...a: string[]) => string>;
  assert.equal(built.sessionKey('u7', 's1'), keys.sessionKey('u7', 's1'));
  assert.equal(built.refreshTokenKey('u7', 'h'), keys.refreshTokenKey('u7', 'h'));
  assert.equal(built.tokenFamilyKey('u7', 'f'), keys.tokenFamilyKey('u7', 'f'));
  assert.equal(built.userSessionsKey('u7'), keys.userSessionsKey('u7'));
  assert.equal(built.oauthStateKey('n'), keys.oauthStateKey('n'));
});

test('the script carries the session operations\' Lua scripts verbatim, and the scenario\'s mix, TTLs and reuse rate', async () => {
  const s = await scenario('smoke');
  const script = k6Script(s);
  for (const lua of [operations.loginScript, operations.touchScript, operations.logoutScript, operations.rotateScript, operations.revokeAllScript]) {
    assert.ok(script.includes(JSON.stringify(lua)), `carries ${lua.trim().split('\n')[0]}`);
  }
  assert.ok(script.includes(`const mix = ${JSON.stringify(s.session.mix)};`));
  assert.ok(script.includes('const ttl = {"session":600,"refreshToken":3600,"oauthState":300};'));
  assert.ok(script.includes(`const tokenReuseRate = ${s.session.tokenReuseRate};`));
  assert.ok(script.includes(`readTimeout: ${s.clients.commandTimeoutMs},`));
  assert.ok(script.includes("import redis from 'k6/x/redis';"));
});
