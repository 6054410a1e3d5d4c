import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadGates, loadGatesFor } from './loadGates.js';
import type { LatencyFigures } from '../load/latencyRecorder.js';
import { judge, type Gate } from './gate.js';
import type { BreachCause } from '../attribution/latencyAttribution.js';

const p = (p99: number) => ({ p50: 1, p90: 2, p99, p999: p99, max: p99, count: 100 });
const thresholds = { p99Ms: 10, perOperationP99Ms: 10, maxErrorRate: 0.01, minThroughputRatio: 0.95, maxUnverifiableShare: 0.01, minSamplesPerOperation: 100 };
const base = { thresholds, totalOps: 1000, errors: 0, intendedOps: 1000, scope: '' };

test('p99 at or above the budget fails the gate, below passes', () => {
  const ok = loadGates({ ...base, overall: p(9.9), byOp: { login: p(9.9) } });
  assert.ok(ok.every((t) => t.pass));
  const slow = loadGates({ ...base, overall: p(10), byOp: { login: p(12) } });
  assert.deepEqual(slow.filter((t) => !t.pass).map((t) => t.name), ['p99 latency, all operations', 'p99 latency, login']);
});

test("a failed operation type's gate says whose time its breach is, unless it is the generator's (the validity gate says that)", () => {
  const breach = (op: string, cause: BreachCause) => ({ op, budgetMs: 10, p99Ms: 12, p99HealthySecondsMs: null, opsHealthySeconds: 0, cause });
  const operationBreaches = [breach('login', { who: 'server', why: 'the server: EVAL 9 ms per call' }), breach('refresh', { who: 'generator', why: 'GC' })];
  const gates = loadGates({ ...base, overall: p(5), byOp: { login: p(12), refresh: p(12), request: p(5) }, causes: { cause: null, operationBreaches } });
  assert.deepEqual(gates.slice(1, 4).map((g) => g.actual), ['12.000 ms (the server: EVAL 9 ms per call)', '12.000 ms', '5.000 ms']);
});

test('an operation with fewer samples than the minimum is reported, not judged on its own', () => {
  const few = { ...p(50), count: 12 };
  const [, login] = loadGates({ ...base, overall: p(5), byOp: { login: few } });
  assert.equal(login!.pass, true);
  assert.match(login!.actual, /not judged: 12 samples, fewer than 100/);
  const [overall] = loadGates({ ...base, overall: p(50), byOp: { login: few } });
  assert.equal(overall!.pass, false, 'the overall p99 still counts them');
});

test('errors and a target that did not take the offered load fail', () => {
  const r = loadGates({ ...base, overall: p(1), byOp: {}, errors: 50, totalOps: 1000, intendedOps: 2000 });
  assert.deepEqual(r.filter((t) => !t.pass).map((t) => t.name), ['error rate', 'operations completed / intended']);
});

const gate = (kind: Gate['kind'], pass: boolean): Gate => ({ name: kind, kind, limit: '', actual: '', pass });

test('a failed validity gate makes the run invalid, whatever the load gates say', () => {
  assert.equal(judge([gate('latency', true), gate('validity', true)]).verdict, 'pass');
  assert.equal(judge([gate('latency', true), gate('validity', false)]).verdict, 'invalid');
  assert.equal(judge([gate('latency', false), gate('validity', false)]).verdict, 'invalid');
  assert.equal(judge([gate('latency', false), gate('validity', true)]).verdict, 'fail');
});

test('a correctness failure is fail even when the generator could not keep up', () => {
  const j = judge([gate('correctness', false), gate('validity', false)]);
  assert.equal(j.verdict, 'fail');
  assert.match(j.reason, /correctness/);
});

test('in a chaos run the throughput gate counts what the schedule intended outside the windows, not what was done', () => {
  const figures = (intended: number, succeeded: number): LatencyFigures => ({
    overall: p(1), byOp: {}, serviceOverall: p(1), serviceByOp: {}, excluded: { ops: 500, errors: 300 }, byWindow: [{ ops: 500, errors: 300 }], totalOps: 10_500, totalErrors: 300,
    outsideChaos: { overall: p(1), byOp: {}, ops: 9000, errors: 0, intended, succeeded },
  });
  const throughput = (f: LatencyFigures) => loadGatesFor(thresholds, f, 11_000).find((g) => g.name.startsWith('operations completed / intended'))!;
  assert.equal(throughput(figures(9000, 9000)).pass, true);
  // 10 % of the intended actions never sent (or never answered): no error counted, the gate still fails.
  const short = throughput(figures(10_000, 9000));
  assert.equal(short.pass, false);
  assert.match(short.actual, /9000 of 10000/);
});
