import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorsBeyondGenerator, validityGates } from './validityGates.js';
import { judge } from './gate.js';
import type { Attribution, BreachCause } from '../attribution/latencyAttribution.js';
import type { LoadResult } from '../load/loadResult.js';
import type { ChaosStepRecord } from '../chaos/chaosRunner.js';

type Generator = LoadResult['generator'];
const generator = (over: Partial<Generator> = {}): Generator => ({
  schedulerLagMs: { p99: 0.4, max: 3 }, schedulerLagOutsideChaosMs: { p99: 0.4, max: 3 }, eventLoopDelayMs: { p99: 1, max: 3 }, cpuPercent: { mean: 40, max: 60 },
  rssMb: { start: 150, peak: 200 }, saturated: false, reason: null, maxSchedulerLagP99Ms: 1, gc: { count: 10, scavenges: 10, markCompacts: 0, maxMs: 1, totalMs: 5, over2Ms: 0 }, stalledSeconds: 0, stallThresholdMs: 2.5,
  ...over,
});
const failed = (gates: ReturnType<typeof validityGates>) => gates.filter((g) => !g.pass).map((g) => g.name);
/** Only the fields the validity gates read: the breach's cause, the reply p99, budget and the generator's longest delay. */
const attribution = (cause: BreachCause | null, serviceP99Ms = 11, budgetMs = 10, eventLoopDelayMaxMs = 1.5): Attribution =>
  ({ cause, serviceP99Ms, budgetMs, generator: { eventLoopDelayMaxMs } }) as unknown as Attribution;

test('a generator that kept up, a breach that is not its own and a finished run: valid', () => {
  assert.deepEqual(failed(validityGates({ generator: generator(), aborted: false, durationMs: 60_000 }, 60_000, { attribution: attribution({ who: 'server', why: 'LATENCY event' }) })), []);
});

test('a saturated generator, its own breach, or a stopped run each make the run invalid', () => {
  assert.deepEqual(failed(validityGates({ generator: generator({ saturated: true, reason: 'lag p99 3 ms' }), aborted: false, durationMs: 60_000 }, 60_000)), ['generator kept up with its schedule']);
  assert.deepEqual(failed(validityGates({ generator: generator(), aborted: false, durationMs: 60_000 }, 60_000, { attribution: attribution({ who: 'generator', why: 'GC' }) })), ["a latency breach is the target's time, not the generator's"]);
  const stopped = validityGates({ generator: generator(), aborted: true, durationMs: 12_000 }, 60_000, { abortReason: 'SIGINT' });
  assert.deepEqual(failed(stopped), ['the run went to the end of its schedule']);
  assert.match(stopped[2]!.actual, /stopped early at 12\.0 s \(SIGINT\)/);
});

test("a late generator does not make invalid a breach the reply times alone carry past its longest stall: the run fails, the lag gate still shows", () => {
  const late = generator({ saturated: true, reason: 'scheduler lag p99 6.855 ms outside chaos windows exceeds 5 ms' });
  const proxy: BreachCause = { who: 'proxy', why: 'the Toxiproxy hop adds 81.28 ms' };
  const beyond = validityGates({ generator: late, aborted: false, durationMs: 7000 }, 7000, { attribution: attribution(proxy, 182.91, 50, 18.91) });
  assert.deepEqual(failed(beyond), ['generator kept up with its schedule']);
  assert.match(beyond[0]!.actual, /exceeds 5 ms; not decisive: the reply times alone/);
  const breach = { name: 'p99 latency, all operations', kind: 'latency' as const, limit: '< 50 ms', actual: '1240 ms', pass: false };
  assert.equal(judge([breach, ...beyond]).verdict, 'fail');
  // Reply times within the budget plus twice the longest stall: the lag may be the breach, so invalid.
  const near = validityGates({ generator: late, aborted: false, durationMs: 7000 }, 7000, { attribution: attribution(proxy, 85, 50, 18.91) });
  assert.equal(near[0]!.outweighed, undefined);
  assert.equal(judge([breach, ...near]).verdict, 'invalid');
});

test('an outweighed gate alone never makes a run fail: with no target gate failed it is invalid', () => {
  const lag = { name: 'generator kept up with its schedule', kind: 'validity' as const, limit: 'lag p99 <= 5 ms', actual: 'lag p99 6.9 ms', pass: false, outweighed: 'the reply times alone exceed the budget' };
  const held = { name: 'p99 latency, all operations', kind: 'latency' as const, limit: '< 50 ms', actual: '12 ms', pass: true };
  const j = judge([held, lag]);
  assert.equal(j.verdict, 'invalid');
  assert.match(j.reason, /^invalid: generator kept up/);
  const failed = judge([{ ...held, actual: '1240 ms', pass: false }, lag]);
  assert.deepEqual([failed.verdict, failed.reason], ['fail', 'failed: p99 latency, all operations (1240 ms, limit < 50 ms)']);
});

test('a late generator does not make invalid a write gap it cannot have made: a gap past its limit by more than twice the longest delay, or a client that never wrote again long after the strike, fails the run', () => {
  // A busy box (CI, two test files at once): lag p99 over its limit, longest delay 140 ms, so a stall can add 280 ms to a gap.
  const late = generator({ saturated: true, reason: 'scheduler lag p99 6.2 ms outside chaos windows exceeds 5 ms', schedulerLagMs: { p99: 6.2, max: 140 }, eventLoopDelayMs: { p99: 9, max: 120 } });
  const load = { generator: late, aborted: false, durationMs: 20_000 };
  const kill = { struck: true, outcome: 'completed', atMs: 5000 } as ChaosStepRecord;
  const gapGate = (actual: string) => ({ name: 'client-observed write unavailability (worst client)', kind: 'availability' as const, limit: '<= 9000 ms', actual, pass: false });
  const judged = (worstMs: number | null, steps = [kill]) => ({ outcome: { steps, checks: [] }, writeGap: { worstMs, limitMs: 9000, endsAt: 'confirmed write' as const }, failoverTime: null });
  const stranded = validityGates(load, 20_000, { chaos: judged(null) });
  assert.match(stranded[0]!.outweighed ?? '', /some client never wrote again in the 15000 ms the load ran after the strike, more than the 9000 ms write-gap limit and twice the generator's longest delay \(280 ms\)/);
  assert.equal(judge([gapGate('unbounded: some client never wrote again'), ...stranded]).verdict, 'fail');
  const long = validityGates(load, 20_000, { chaos: judged(9400) });
  assert.match(long[0]!.outweighed ?? '', /the write gap \(9400 ms\) exceeds its 9000 ms limit by more than twice/);
  assert.equal(judge([gapGate('9400 ms'), ...long]).verdict, 'fail');
  // Within the limit plus what the lateness can add, the lag may be the breach: invalid.
  const near = validityGates(load, 20_000, { chaos: judged(9250) });
  assert.equal(near[0]!.outweighed, undefined);
  assert.equal(judge([gapGate('9250 ms'), ...near]).verdict, 'invalid');
  // Stranded, but: a generator stalled longer than the limit, a run that ended 5 s after the strike, or a step that did not complete: invalid.
  const frozen = generator({ saturated: true, reason: 'stalled', schedulerLagMs: { p99: 900, max: 12_000 } });
  const blind = validityGates({ ...load, generator: frozen }, 20_000, { chaos: judged(null) });
  assert.equal(blind[0]!.outweighed, undefined);
  assert.equal(judge([gapGate('unbounded'), ...blind]).verdict, 'invalid');
  assert.equal(validityGates(load, 20_000, { chaos: judged(null, [{ ...kill, atMs: 15_000 }]) })[0]!.outweighed, undefined);
  assert.equal(validityGates(load, 20_000, { chaos: judged(null, [{ ...kill, outcome: 'still-running' }]) })[0]!.outweighed, undefined);
  assert.equal(validityGates(load, 20_000, { chaos: judged(null, []) })[0]!.outweighed, undefined);
  // A generator that kept up: nothing to outweigh.
  assert.equal(validityGates({ ...load, generator: generator() }, 20_000, { chaos: judged(null) })[0]!.outweighed, undefined);
});

test("a procedure that ran in full and failed its own checks fails the run however late the generator was; one whose step did not complete stays invalid", () => {
  const late = generator({ saturated: true, reason: 'scheduler lag p99 19 ms outside chaos windows exceeds 10 ms' });
  const load = { generator: late, aborted: false, durationMs: 20_000 };
  const check = { name: 'old app password refused (WRONGPASS) on every server', kind: 'procedure' as const, limit: '3 servers', actual: 'still accepted or other error on node-0', pass: false };
  const step = (outcome: ChaosStepRecord['outcome'], struck = true) => ({ struck, outcome }) as ChaosStepRecord;
  const ran = validityGates(load, 20_000, { chaos: { outcome: { steps: [step('completed')], checks: [check] }, writeGap: null, failoverTime: null } });
  assert.match(ran[0]!.outweighed ?? '', /the procedure ran in full and its own checks failed \(old app password refused/);
  assert.equal(judge([check, ...ran]).verdict, 'fail');
  for (const s of [step('failed'), step('still-running'), step('never-ran', false)]) {
    const broken = validityGates(load, 20_000, { chaos: { outcome: { steps: [s], checks: [check] }, writeGap: null, failoverTime: null } });
    assert.equal(broken[0]!.outweighed, undefined, s.outcome);
    assert.equal(judge([check, ...broken]).verdict, 'invalid');
  }
  const held = validityGates(load, 20_000, { chaos: { outcome: { steps: [step('completed')], checks: [{ ...check, pass: true }] }, writeGap: null, failoverTime: null } });
  assert.equal(held[0]!.outweighed, undefined);
  assert.equal(judge(held).verdict, 'invalid');
});

test('a failover too late or missing after a kill that struck and completed fails the run however late the generator was; within the limit plus twice the longest delay it stays invalid', () => {
  const late = generator({ saturated: true, reason: 'scheduler lag p99 12 ms outside chaos windows exceeds 10 ms', schedulerLagMs: { p99: 12, max: 300 }, eventLoopDelayMs: { p99: 10, max: 250 } });
  const load = { generator: late, aborted: false, durationMs: 30_000 };
  const kill = { struck: true, outcome: 'completed', atMs: 9000 } as ChaosStepRecord;
  const judged = (fromStrikeMs: number | null, steps = [kill]) => ({ outcome: { steps, checks: [] }, writeGap: null, failoverTime: { limitMs: 7000, fromStrikeMs, cause: fromStrikeMs === null ? null : 'kill-master' } });
  const slowGate = { name: 'sentinel failover time (strike to +switch-master)', kind: 'availability' as const, limit: '<= 7000 ms', actual: '', pass: false };
  const slow = validityGates(load, 30_000, { chaos: judged(7800) });
  assert.match(slow[0]!.outweighed ?? '', /the failover took 7800 ms from the strike, over its 7000 ms limit by more than twice the generator's longest delay \(600 ms\)/);
  assert.equal(judge([slowGate, ...slow]).verdict, 'fail');
  const none = validityGates(load, 30_000, { chaos: judged(null) });
  assert.match(none[0]!.outweighed ?? '', /no failover came in the 21000 ms the load ran after the strike/);
  assert.equal(judge([{ ...slowGate, name: 'a failover happened' }, ...none]).verdict, 'fail');
  // Within the limit plus twice the longest delay, or a run that ended too soon after the strike to tell, or a kill that did not complete: invalid.
  assert.equal(validityGates(load, 30_000, { chaos: judged(7500) })[0]!.outweighed, undefined);
  assert.equal(validityGates({ ...load, durationMs: 16_000 }, 16_000, { chaos: judged(null) })[0]!.outweighed, undefined);
  const broken = validityGates(load, 30_000, { chaos: judged(null, [{ ...kill, outcome: 'failed' }]) });
  assert.equal(broken[0]!.outweighed, undefined);
  assert.equal(judge([slowGate, ...broken]).verdict, 'invalid');
});

test("a latency breach that is the generator's own does not make invalid a client stranded after a failover: the run fails; without it, invalid", () => {
  const stalled = generator({ saturated: true, reason: 'scheduler lag p99 14 ms', schedulerLagMs: { p99: 14, max: 90 }, eventLoopDelayMs: { p99: 20, max: 95 } });
  const load = { generator: stalled, aborted: false, durationMs: 20_000 };
  const own = attribution({ who: 'generator', why: 'the generator stalled in 12 of 20 seconds' });
  const kill = { struck: true, outcome: 'completed', atMs: 5000 } as ChaosStepRecord;
  const stranded = { outcome: { steps: [kill], checks: [] }, writeGap: { worstMs: null, limitMs: 9000, endsAt: 'confirmed write' as const }, failoverTime: null };
  const gapGate = { name: 'client-observed write unavailability (worst client)', kind: 'availability' as const, limit: '<= 9000 ms', actual: 'unbounded', pass: false };
  const gates = validityGates(load, 20_000, { attribution: own, chaos: stranded });
  assert.deepEqual(failed(gates), ['generator kept up with its schedule', "a latency breach is the target's time, not the generator's"]);
  assert.match(gates[1]!.outweighed ?? '', /some client never wrote again/);
  assert.match(gates[1]!.actual, /^the generator's: .*; not decisive: some client never wrote again/);
  assert.equal(judge([gapGate, ...gates]).verdict, 'fail');
  // The reason names the write gap as the failure, and the p99 breach apart, as the generator's.
  const p99 = { name: 'p99 latency, all operations', kind: 'latency' as const, limit: '< 50 ms', actual: '80 ms', pass: false };
  assert.equal(judge([p99, gapGate, ...gates]).reason, "failed: client-observed write unavailability (worst client) (unbounded, limit <= 9000 ms); also failed, on the generator's own stalls: p99 latency, all operations");
  const alone = validityGates(load, 20_000, { attribution: own });
  assert.equal(alone[1]!.outweighed, undefined);
  assert.equal(judge([{ ...gapGate, name: 'p99 latency, all operations', kind: 'latency' as const }, ...alone]).verdict, 'invalid');
});

test("a latency breach that is the generator's own does not make invalid the target's errors: the run fails on them, unless the generator's stalls could have timed commands out; a lagging generator still makes it invalid", () => {
  const load = { generator: generator({ stalledSeconds: 6, eventLoopDelayMs: { p99: 20, max: 45 } }), aborted: false, durationMs: 20_000 };
  const own = attribution({ who: 'generator', why: 'the generator stalled in 6 of 20 seconds' });
  const p99 = { name: 'p99 latency, all operations', kind: 'latency' as const, limit: '< 10 ms', actual: '14 ms', pass: false };
  const errors = { name: 'error rate', kind: 'errors' as const, limit: '<= 0.100 %', actual: '2.000 % (200 of 10000)', pass: false };
  const beyond = errorsBeyondGenerator([p99, errors], load.generator, 1000);
  assert.match(beyond ?? '', /^the error rate failed \(2\.000 %.*longest event-loop delay \(45 ms\) is under a quarter of the 1000 ms command timeout$/);
  const gates = validityGates(load, 20_000, { attribution: own, errorsBeyond: beyond });
  assert.deepEqual(failed(gates), ["a latency breach is the target's time, not the generator's"]);
  assert.equal(gates[1]!.outweighed, beyond);
  assert.equal(judge([p99, errors, ...gates]).reason, "failed: error rate (2.000 % (200 of 10000), limit <= 0.100 %); also failed, on the generator's own stalls: p99 latency, all operations");
  // Errors held, or a stall as long as a quarter of the timeout: the breach is the generator's and the run invalid.
  assert.equal(errorsBeyondGenerator([p99, { ...errors, pass: true }], load.generator, 1000), null);
  assert.equal(errorsBeyondGenerator([p99, errors], { eventLoopDelayMs: { p99: 20, max: 250 } }, 1000), null);
  assert.equal(judge([p99, errors, ...validityGates(load, 20_000, { attribution: own })]).verdict, 'invalid');
  const lagging = { ...load, generator: { ...load.generator, saturated: true, reason: 'scheduler lag p99 3 ms' } };
  assert.equal(judge([p99, errors, ...validityGates(lagging, 20_000, { attribution: own, errorsBeyond: beyond })]).verdict, 'invalid');
});

test("per-operation breaches: invalid when every one is the generator's; one the target made stands and the run fails", () => {
  const breach = (op: string, cause: BreachCause) => ({ op, budgetMs: 50, p99Ms: 58.9, p99HealthySecondsMs: 12, opsHealthySeconds: 170, cause });
  const gen: BreachCause = { who: 'generator', why: 'the generator stalled in 4 of 19 seconds' };
  const server: BreachCause = { who: 'server', why: 'the server: LATENCY event "command" up to 20 ms' };
  const run = (operationBreaches: unknown[]) => validityGates({ generator: generator(), aborted: false, durationMs: 60_000 }, 60_000, { attribution: { ...attribution(null), operationBreaches } as Attribution });
  const own = run([breach('login', gen)]);
  assert.deepEqual(failed(own), ["a latency breach is the target's time, not the generator's"]);
  assert.match(own[1]!.actual, /^the generator's: login: the generator stalled in 4 of 19 seconds$/);
  const loginGate = { name: 'p99 latency, login (outside chaos windows)', kind: 'latency' as const, limit: '< 50 ms', actual: '58.943 ms', pass: false };
  assert.equal(judge([loginGate, ...own]).verdict, 'invalid');
  const mixed = run([breach('login', gen), breach('refresh', server)]);
  assert.deepEqual(failed(mixed), []);
  assert.match(mixed[1]!.actual, /^refresh: server: the server: LATENCY event/);
  assert.equal(judge([loginGate, ...mixed]).verdict, 'fail');
  // The p99 of all operations over budget decides as before, whatever each type's cause.
  assert.deepEqual(failed(validityGates({ generator: generator(), aborted: false, durationMs: 60_000 }, 60_000, { attribution: { ...attribution(server), operationBreaches: [breach('login', gen)] } as Attribution })), []);
});
