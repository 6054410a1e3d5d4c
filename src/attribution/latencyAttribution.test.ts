import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeLatency, breachBeyondGenerator, breachCause, latencyBreaches, type Attribution } from './latencyAttribution.js';
import { LatencyRecorder } from '../load/latencyRecorder.js';
import { loadNotStarted, type LoadResult } from '../load/loadResult.js';
import { op, parseScenario } from '../load/scenario.js';
import smoke from '../../scenarios/smoke.js';

const base = (over: Partial<Attribution> = {}, gen: Partial<Attribution['generator']> = {}, server: Partial<Attribution['server']> = {}): Attribution => ({
  scope: 'all operations', budgetMs: 10, p99Ms: 12, serviceP99Ms: 11,
  atP99: { samples: 50, latencyMs: 12, waitMs: 0, queueMs: 0.5, replyMs: 11.5 },
  generator: { schedulerLagP99Ms: 0.2, maxSchedulerLagP99Ms: 1, gcCount: 100, gcMaxMs: 1, gcOver2Ms: 0, eventLoopDelayMaxMs: 1.5, stalledSeconds: 0, seconds: 60, stallThresholdMs: 2.5, p99HealthySecondsMs: 12, ...gen },
  server: { measured: true, why: null, perCommand: [{ command: 'evalsha', calls: 1000, usecPerCall: 14 }], latencyEvents: [], latencyThresholdMs: 2, forks: 0, latestForkUs: 0, aofDelayedFsync: 0, perSecond: [], ...server },
  dataPath: 'direct', proxy: null, cause: null, ...over,
});

test("a breach that goes away without the generator's stalled seconds is the generator's", () => {
  const c = breachCause(base({}, { stalledSeconds: 12, gcMaxMs: 37, p99HealthySecondsMs: 4.2 }));
  assert.equal(c.who, 'generator');
  assert.match(c.why, /without those seconds the p99 is 4\.2 ms/);
});

test("a generator that stalled in most seconds leaves the breach unjudged, unless the other seconds breach on their own", () => {
  const mostlyStalled = { stalledSeconds: 9, seconds: 13, p99HealthySecondsMs: 12 };
  const server = { latencyEvents: [{ event: 'command', latestMs: 8, maxMs: 8 }] };
  const few = breachCause(base({}, { ...mostlyStalled, opsHealthySeconds: 120 }, server));
  assert.equal(few.who, 'generator');
  assert.match(few.why, /too many to tell/);
  assert.equal(breachCause(base({}, { ...mostlyStalled }, server)).who, 'generator', 'a summary without the count judges as before');
  const own = breachCause(base({}, { ...mostlyStalled, opsHealthySeconds: 550 }, server));
  assert.equal(own.who, 'server');
  assert.match(own.why, /LATENCY event "command" up to 8 ms/);
});

test("a breach made of the generator's own queueing is the generator's", () => {
  assert.equal(breachCause(base({ atP99: { samples: 9, latencyMs: 12, waitMs: 0, queueMs: 9, replyMs: 3 } })).who, 'generator');
});

test("queueing behind replies over the budget (the in-flight limit's backlog) is the target's time, not the generator's", () => {
  // An overloaded target: the operations over the budget waited 300 ms to be sent behind replies of 250 ms.
  const backlog = { samples: 900, latencyMs: 550, waitMs: 0, queueMs: 300, replyMs: 250 };
  assert.equal(breachCause(base({ overBudget: backlog })).who, 'network or target');
  assert.equal(breachCause(base({ overBudget: { ...backlog, replyMs: 8, latencyMs: 308 } })).who, 'generator', 'replies within the budget: the queueing is the generator\'s own');
});

test("waiting behind the session's previous, slow action is the target's time, not the generator's", () => {
  assert.equal(breachCause(base({ atP99: { samples: 9, latencyMs: 120, waitMs: 90, queueMs: 1, replyMs: 29 } })).who, 'network or target');
});

test('server stalls name the server, with what it logged', () => {
  const c = breachCause(base({}, {}, { latencyEvents: [{ event: 'command', latestMs: 10, maxMs: 10 }], perCommand: [{ command: 'eval', calls: 50, usecPerCall: 9000 }] }));
  assert.equal(c.who, 'server');
  assert.match(c.why, /LATENCY event "command" up to 10 ms/);
  assert.match(c.why, /EVAL 9 ms per call/);
});

test('the proxy hop is named on the proxied path when it costs a quarter of the budget', () => {
  const proxy = { before: { directP50Ms: 0.1, directP99Ms: 0.3, proxiedP50Ms: 1, proxiedP99Ms: 7.3 }, after: null };
  assert.equal(breachCause(base({ dataPath: 'proxied', proxy })).who, 'proxy');
  assert.equal(breachCause(base({ dataPath: 'direct', proxy })).who, 'network or target');
});

test('with nothing else to blame: the network or the target, saying the server was quiet', () => {
  const c = breachCause(base());
  assert.equal(c.who, 'network or target');
  assert.match(c.why, /EVALSHA 14 µs per call/);
});

test('a cluster: one slow shard names its shard and master, though the sum over shards looks quiet', () => {
  const shard = (name: string, master: string, usecPerCall: number): NonNullable<Attribution['server']['byShard']>[number] => ({ name, masters: [master], perCommand: [{ command: 'evalsha', calls: 1000, usecPerCall }], forks: 0, aofDelayedFsync: 0, missedSamples: 0, missedWhy: null });
  const quiet = [shard('shard-0 (0-5460)', 'node-0', 14), shard('shard-1 (5461-10922)', 'node-1', 15), shard('shard-2 (10923-16383)', 'node-2', 13)];
  // The sum over shards given as quiet (14 µs per call): only the per-shard figures can name the slow master.
  const slow = [quiet[0]!, shard('shard-1 (5461-10922)', 'node-4', 3000), quiet[2]!];
  const c = breachCause(base({}, {}, { perCommand: [{ command: 'evalsha', calls: 3000, usecPerCall: 14 }], byShard: slow, latencyEvents: [{ event: 'command', latestMs: 3, maxMs: 3, node: 'node-4' }] }));
  assert.equal(c.who, 'server');
  assert.match(c.why, /EVALSHA 3 ms per call on shard-1 \(5461-10922\) \(master node-4\)/);
  assert.match(c.why, /LATENCY event "command" up to 3 ms on node-4/);
  assert.doesNotMatch(c.why, /shard-0|shard-2/);
  const none = breachCause(base({}, {}, { byShard: quiet }));
  assert.equal(none.who, 'network or target', 'no slow shard: the server is not blamed');
});

test('one late send at the p99 among a target\'s stalled replies is not the generator\'s breach: every operation over the budget is judged', () => {
  const server = { latencyEvents: [{ event: 'command', latestMs: 10, maxMs: 10 }] };
  const atP99 = { samples: 1, latencyMs: 9.37, waitMs: 0, queueMs: 8.71, replyMs: 0.66 };
  const stalledReplies = breachCause(base({ budgetMs: 5, atP99, overBudget: { samples: 31, latencyMs: 7.4, waitMs: 0, queueMs: 0.33, replyMs: 7.07 } }, {}, server));
  assert.equal(stalledReplies.who, 'server');
  const lateSends = breachCause(base({ budgetMs: 5, atP99, overBudget: { samples: 31, latencyMs: 7.4, waitMs: 0, queueMs: 6.1, replyMs: 1.3 } }, {}, server));
  assert.equal(lateSends.who, 'generator');
  assert.match(lateSends.why, /over the 5 ms budget \(31 operations\), on average 6\.1 ms of 7\.4 ms is the generator's own queueing/);
  assert.equal(breachCause(base({ budgetMs: 5, atP99 }, {}, server)).who, 'generator', 'a summary without overBudget judges the p99 bucket as before');
});

test("a breach the reply times alone carry past the generator's longest stall is the target's however late the generator was", () => {
  // The CI run a latency toxic failed as invalid: reply p99 182.91 ms, budget 50 ms, event-loop delay max 18.91 ms.
  const proxy = { who: 'proxy' as const, why: 'the Toxiproxy hop adds 81.28 ms' };
  const toxic = base({ budgetMs: 50, serviceP99Ms: 182.91, cause: proxy }, { eventLoopDelayMaxMs: 18.91 });
  assert.match(breachBeyondGenerator(toxic) ?? '', /send-to-reply p99 182\.91 ms\) exceed the 50 ms budget by more than twice the generator's longest event-loop delay \(37\.82 ms in all\): the breach is the proxy's/);
  assert.equal(breachBeyondGenerator(base({ budgetMs: 50, serviceP99Ms: 85, cause: proxy }, { eventLoopDelayMaxMs: 18.91 })), null, 'within the margin a stall could add');
  assert.equal(breachBeyondGenerator(base({ budgetMs: 50, serviceP99Ms: 182.91, cause: { who: 'generator', why: 'GC' } })), null, "the generator's own breach");
  assert.equal(breachBeyondGenerator(base({ budgetMs: 50, serviceP99Ms: 182.91 })), null, 'no breach');
});

/**
 * A recorder with 20 s of operations (1000 requests and `loginsPerSecond` logins a second, 2 ms
 * each) whose logins take 80 ms in `slowLoginSeconds`, and every operation in `slowSeconds`
 * (replies 80 ms late) and in `queuedSeconds` (sent 78 ms after its intended time); the generator
 * stalled in `stalled` (seconds named by their end, as the run clock names them).
 */
function loginRun(slowLoginSeconds: readonly number[], stalled: readonly number[], slowSeconds: readonly number[] = [], loginsPerSecond = 10, queuedSeconds: readonly number[] = [], someSlow: { second: number; logins: number } | null = null): LoadResult {
  const scenario = parseScenario({ ...smoke, thresholds: { ...smoke.thresholds, p99Ms: 50, perOperationP99Ms: 50 } }, 'smoke');
  const load = loadNotStarted(scenario);
  const recorder = new LatencyRecorder(load.windows, (t) => stalled.includes(t));
  for (let s = 0; s < 20; s++) {
    const slow = slowSeconds.includes(s + 1);
    const queued = queuedSeconds.includes(s + 1) ? 78 : 0;
    for (let k = 0; k < 1000; k++) recorder.record(op.request, s * 1000 + k, s * 1000 + k, s * 1000 + k + queued, s * 1000 + k + queued + (slow ? 80 : 2), null);
    for (let k = 0; k < loginsPerSecond; k++) {
      const at = s * 1000 + Math.floor((k * 1000) / loginsPerSecond);
      const slowLogin = slow || slowLoginSeconds.includes(s + 1) || (someSlow !== null && someSlow.second === s + 1 && k < someSlow.logins);
      recorder.record(op.login, at, at, at + queued, at + queued + (slowLogin ? 80 : 2), null);
    }
    recorder.closeInterval(s + 1);
  }
  recorder.settleAll();
  return { ...load, recorder, generator: { ...load.generator, stalledSeconds: stalled.length }, generatorSeconds: Array.from({ length: 20 }, (_, s) => ({ t: s + 1, inChaosWindow: false }) as LoadResult['generatorSeconds'][number]) };
}
const quietServer = base().server;

test("an operation type's own p99 over budget in the generator's stalled seconds is the generator's; in seconds it ran well, the target's", () => {
  // Logins slow in 3 of 20 s: 30 of 200 over budget, so the login p99 breaches while the p99 of all operations holds.
  const own = attributeLatency({ load: loginRun([5, 10, 15], [5, 10, 15]), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(own.cause, null, 'the p99 of all operations held');
  assert.equal(own.operationBreaches?.length, 1);
  const login = own.operationBreaches![0]!;
  assert.equal(login.op, 'login');
  assert.ok(login.p99Ms >= 80 && login.p99Ms < 80.1, String(login.p99Ms));
  assert.equal(login.opsHealthySeconds, 170);
  assert.ok(login.p99HealthySecondsMs! < 2.1, String(login.p99HealthySecondsMs));
  assert.equal(login.cause.who, 'generator');
  assert.deepEqual(latencyBreaches(own).map((b) => [b.op, b.cause.who]), [['login', 'generator']]);

  // The same slow logins in seconds the generator ran well: the target's time.
  const theirs = attributeLatency({ load: loginRun([5, 10, 15], [6, 11, 16]), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(theirs.operationBreaches?.[0]?.cause.who, 'network or target');
  assert.ok(theirs.operationBreaches![0]!.p99HealthySecondsMs! >= 80);

  // Slow logins in a second the generator ran well as well as in its stalled ones: the healthy seconds breach on their own.
  const spans = attributeLatency({ load: loginRun([2, 5, 10, 15], [5, 10, 15]), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(spans.operationBreaches?.[0]?.cause.who, 'network or target');
  // Too few logins in the healthy seconds (80 of the 100 a type needs) to judge their p99, and none of them slow: the
  // stalls alone may have made the breach, so it is the generator's (a small type's false fail on a stalling generator).
  const stalledMost = Array.from({ length: 12 }, (_, k) => k + 1);
  const few = attributeLatency({ load: loginRun([5, 10], stalledMost), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(few.operationBreaches?.[0]?.opsHealthySeconds, 80);
  assert.ok(few.operationBreaches![0]!.p99HealthySecondsMs! < 2.1);
  assert.equal(few.operationBreaches?.[0]?.cause.who, 'generator');
  assert.match(few.operationBreaches![0]!.cause.why, /only 80 of the 200 login operations .* fewer than the 3 over the 50 ms budget/);
  // The same few, but 3 of them slow (the 3 over the budget a p99 of 200 needs): the breach stands without the stalled seconds.
  const slowThree = attributeLatency({ load: loginRun([5, 10], stalledMost, [], 10, [], { second: 14, logins: 3 }), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(slowThree.operationBreaches?.[0]?.opsHealthySeconds, 80);
  assert.equal(slowThree.operationBreaches?.[0]?.cause.who, 'network or target');
  // Two slow: one short of what the p99 needs, so the stalled seconds' logins are needed for the breach.
  const slowTwo = attributeLatency({ load: loginRun([5, 10], stalledMost, [], 10, [], { second: 14, logins: 2 }), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(slowTwo.operationBreaches?.[0]?.cause.who, 'generator');
  // 160 logins: their p99 is the 159th (HdrHistogram takes ceil(0.99 n)), so 2 over the budget make it breach; 1 does not.
  const few160 = (slow: number): string | undefined => attributeLatency({ load: loginRun([5, 10], stalledMost, [], 8, [], { second: 14, logins: slow }), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null }).operationBreaches?.[0]?.cause.who;
  assert.equal(few160(2), 'network or target');
  assert.equal(few160(1), 'generator');

  // Without a per-operation budget nothing is judged per type; below the sample count neither.
  assert.equal(attributeLatency({ load: loginRun([5, 10, 15], [5, 10, 15]), thresholds: { p99Ms: 50, minSamplesPerOperation: 100 }, server: quietServer, dataPath: 'direct', proxy: null }).operationBreaches, undefined);
  assert.deepEqual(attributeLatency({ load: loginRun([5, 10, 15], [5, 10, 15]), thresholds: { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 201 }, server: quietServer, dataPath: 'direct', proxy: null }).operationBreaches, []);
});

test("a type that breaches in the seconds the generator ran well stands as the target's beside an overall breach the generator's stalls made", () => {
  const thresholds = { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 };
  // Everything slow in the 3 stalled seconds (the overall breach, the generator's), logins slow in second 2 as well: 20 of 340 healthy logins.
  const a = attributeLatency({ load: loginRun([2], [5, 10, 15], [5, 10, 15], 20), thresholds, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(a.cause?.who, 'generator');
  const login = a.operationBreaches?.find((b) => b.op === 'login');
  assert.equal(login?.breachesWithoutStalls, true);
  assert.ok(login!.p99HealthySecondsMs! >= 80 && login!.opsHealthySeconds === 340, JSON.stringify(login));
  assert.deepEqual(latencyBreaches(a).map((b) => [b.op, b.cause.who]), [[null, 'generator'], ['login', 'network or target']]);
  // Logins slow only in the stalled seconds: no type breaches without them, so only the overall breach is weighed.
  const own = attributeLatency({ load: loginRun([], [5, 10, 15], [5, 10, 15], 20), thresholds, server: quietServer, dataPath: 'direct', proxy: null });
  assert.deepEqual(latencyBreaches(own).map((b) => [b.op, b.cause.who]), [[null, 'generator']]);
  assert.ok(own.operationBreaches!.length > 0 && own.operationBreaches!.every((b) => b.breachesWithoutStalls === false));
  // 170 healthy logins, 10 of them slow: the p99 rests on two operations, fewer than the three a p99 of the healthy seconds needs. Not weighed.
  const few = attributeLatency({ load: loginRun([2], [5, 10, 15], [5, 10, 15], 10), thresholds, server: quietServer, dataPath: 'direct', proxy: null });
  assert.equal(few.operationBreaches?.find((b) => b.op === 'login')?.breachesWithoutStalls, false);
  assert.deepEqual(latencyBreaches(few).map((b) => [b.op, b.cause.who]), [[null, 'generator']]);
});

test("beside an overall breach made of the generator's own queueing, no type is weighed: the queueing share is not kept per type", () => {
  const thresholds = { p99Ms: 50, perOperationP99Ms: 50, minSamplesPerOperation: 100 };
  // No stalls; in 2 of 20 s every operation is sent 78 ms after its intended time.
  const a = attributeLatency({ load: loginRun([], [], [], 20, [5, 10]), thresholds, server: quietServer, dataPath: 'direct', proxy: null });
  assert.match(a.cause?.why ?? '', /generator's own queueing/);
  const login = a.operationBreaches?.find((b) => b.op === 'login');
  assert.equal(login?.breachesWithoutStalls, true, 'no second stalled, so every second is healthy and the type breaches in them');
  assert.deepEqual(latencyBreaches(a).map((b) => [b.op, b.cause.who]), [[null, 'generator']]);
});
