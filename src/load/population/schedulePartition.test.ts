import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, type ScenarioInput } from '../scenario.js';
import { SessionSeeds } from '../sessionRandom.js';
import { populationControllers, type PopulationHost } from './populationController.js';
import { PopulationPlan } from './populationPlan.js';
import { ordinalOf, ownsOrdinal, parsePartition, shareOf, subPartition, wholeSchedule, type SchedulePartition } from './schedulePartition.js';

test('partitions of a schedule own every session number exactly once, and shares add up', () => {
  for (const count of [1, 2, 3, 7]) {
    for (let total = 0; total < 50; total++) {
      let sum = 0;
      for (let index = 0; index < count; index++) {
        const p = { index, count };
        sum += shareOf(p, total);
        for (let c = 1; c <= shareOf(p, total); c++) assert.ok(ownsOrdinal(p, ordinalOf(p, c)));
      }
      assert.equal(sum, total);
    }
    for (let k = 1; k < 100; k++) assert.equal([...Array(count).keys()].filter((index) => ownsOrdinal({ index, count }, k)).length, 1);
  }
});

test('a shard split among workers is a partition of the whole schedule', () => {
  const owners = new Map<number, string>();
  for (let shard = 0; shard < 3; shard++) {
    for (let worker = 0; worker < 2; worker++) {
      const p = subPartition({ index: shard, count: 3 }, { index: worker, count: 2 });
      for (let k = 1; k <= 60; k++) {
        if (!ownsOrdinal(p, k)) continue;
        assert.ok(ownsOrdinal({ index: shard, count: 3 }, k), `${k} is shard ${shard}'s`);
        assert.ok(!owners.has(k));
        owners.set(k, `${shard}.${worker}`);
      }
    }
  }
  assert.equal(owners.size, 60);
});

test('shard notation: I/N with I counted from 0', () => {
  assert.deepEqual(parsePartition('1/4'), { index: 1, count: 4 });
  assert.match(String(parsePartition('4/4')), /below N/);
  assert.match(String(parsePartition('1-4')), /expected I\/N/);
  assert.match(String(parsePartition('0/0')), /at least 1/);
});

const scenario = (stages: ScenarioInput['stages']) =>
  parseScenario(
    {
      name: 'partition', description: '', stages,
      session: { thinkTime: { distribution: 'constant', ms: 1000 }, mix: { request: 1, refresh: 0, oauth: 0, revokeAll: 0 }, meanLifetime: '1h', ttl: { session: '1h', refreshToken: '1h', oauthState: '1h' } },
      clients: { instances: 1 }, thresholds: { p99Ms: 10, maxErrorRate: 0.01 },
    },
    'test',
  );

interface Trace {
  spawns: string[];
  retirements: number[];
}

/**
 * Drives the controllers of one partition as the engine's loop does (catching up each stage to
 * its end), with a host whose sessions end on their own: a session whose seed is divisible by 5
 * ends 1.5 s after it logged in, if that is before `endsBefore`.
 */
function drive(stages: ScenarioInput['stages'], partition: SchedulePartition, endsBefore: number): Trace {
  const s = scenario(stages);
  const plan = new PopulationPlan(s.stages);
  const live = new Map<number, number>();
  const trace: Trace = { spawns: [], retirements: [] };
  const host: PopulationHost = {
    get liveCount() {
      return live.size;
    },
    spawn(at, scheduled, seed) {
      trace.spawns.push(`${at.toFixed(6)} ${seed} ${scheduled}`);
      live.set(seed, at);
    },
    retireRandom(at) {
      live.delete(live.keys().next().value!);
      trace.retirements.push(Math.round(at * 1e6) / 1e6);
    },
  };
  const controllers = populationControllers(plan, s, host, new SessionSeeds(42, partition), partition);
  let stage = 0;
  for (let now = 0; now < plan.totalMs + 20; now += 7) {
    const upTo = Math.min(now, plan.totalMs - 1e-6);
    const ends = [...live].map(([seed, at]) => [seed, at + 1500] as const).filter(([seed, end]) => seed % 5 === 0 && end <= upTo && end < endsBefore).sort((a, b) => a[1] - b[1]);
    for (const [seed, end] of ends) {
      live.delete(seed);
      controllers[plan.stageIndexAt(end)]!.ended?.(seed, end);
    }
    const current = plan.stageIndexAt(upTo);
    for (; stage < current; stage++) controllers[stage]!.control(plan.stageEnd(stage));
    controllers[current]!.control(upTo);
  }
  return trace;
}

const sorted = (xs: readonly string[]) => [...xs].sort();

test('N partitions together plan exactly the logins of the whole schedule: same intended times, same sessions, replacements included', () => {
  const stages = [
    { name: 'ramp-up', duration: '10s', sessions: 1000 },
    { name: 'hold', duration: '10s', sessions: 1000 },
    { name: 'ramp-down', duration: '5s', sessions: 401 },
    { name: 'storm', duration: '3s', loginRate: 97 },
  ];
  const whole = drive(stages, wholeSchedule, 20_000);
  assert.ok(whole.spawns.length > 1000 + 97 * 3 - 1, `${whole.spawns.length} logins`);
  assert.ok(whole.spawns.some((x) => x.endsWith('false')), 'some sessions were replaced');
  for (const count of [2, 3]) {
    const parts = [...Array(count).keys()].map((index) => drive(stages, { index, count }, 20_000));
    assert.deepEqual(sorted(parts.flatMap((p) => p.spawns)), sorted(whole.spawns), `${count} partitions`);
    assert.deepEqual(parts.flatMap((p) => p.retirements).sort((a, b) => a - b), [...whole.retirements].sort((a, b) => a - b));
    for (const p of parts) assert.ok(p.spawns.length > 0);
  }
});

test('the comparison sees a partition that plans differently (the check can fail)', () => {
  const stages = [{ name: 'ramp-up', duration: '2s', sessions: 100 }];
  const whole = drive(stages, wholeSchedule, 0);
  const parts = [drive(stages, { index: 0, count: 2 }, 0), drive(stages, { index: 0, count: 2 }, 0)];
  assert.notDeepEqual(sorted(parts.flatMap((p) => p.spawns)), sorted(whole.spawns));
});

test('a ramp caught up at its end issues its last login and keeps its sessions into a login-rate stage', () => {
  const t = drive([{ name: 'ramp', duration: '1s', sessions: 10 }, { name: 'storm', duration: '1s', loginRate: 10 }], wholeSchedule, 0);
  assert.equal(t.spawns.length, 20);
  assert.ok(t.spawns.includes(`1000.000000 ${new SessionSeeds(42, wholeSchedule).planned(0, 10)} true`));
  assert.deepEqual(t.retirements, []);
});
