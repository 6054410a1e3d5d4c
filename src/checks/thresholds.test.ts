import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideVerdict, evaluateLoadThresholds } from './thresholds.js';

const p = (p99: number) => ({ p50: 1, p90: 2, p99, p999: p99, max: p99, count: 100 });
const base = { p99Ms: 10, perOperationP99Ms: 10, maxErrorRate: 0.01, minThroughputRatio: 0.95, totalOps: 1000, errors: 0, intendedOps: 1000 };

test('p99 at or above the budget fails the gate, below passes', () => {
  const ok = evaluateLoadThresholds({ ...base, overall: p(9.9), byOp: { login: p(9.9) } });
  assert.ok(ok.every((t) => t.pass));
  const slow = evaluateLoadThresholds({ ...base, overall: p(10), byOp: { login: p(12) } });
  assert.deepEqual(slow.filter((t) => !t.pass).map((t) => t.name), ['p99 latency, all operations', 'p99 latency, login']);
});

test('errors and a target that did not take the offered load fail', () => {
  const r = evaluateLoadThresholds({ ...base, overall: p(1), byOp: {}, errors: 50, totalOps: 1000, intendedOps: 2000 });
  assert.deepEqual(r.filter((t) => !t.pass).map((t) => t.name), ['error rate', 'operations completed / intended']);
});

test('a saturated generator makes the run invalid, even when thresholds pass or fail', () => {
  const ok = evaluateLoadThresholds({ ...base, overall: p(1), byOp: {} });
  assert.equal(decideVerdict(ok, false), 'pass');
  assert.equal(decideVerdict(ok, true), 'invalid');
  assert.equal(decideVerdict([{ name: 'x', limit: '', actual: '', pass: false }], false), 'fail');
});
