import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentSchema, stepOffsetMs, buildFault } from './experiment.js';

test('steps take a duration or a share of the run', () => {
  assert.equal(stepOffsetMs('40s', 100_000), 40_000);
  assert.equal(stepOffsetMs('50%', 100_000), 50_000);
});

test('faults come from the registry with their attributes', () => {
  const e = experimentSchema.parse({ name: 'x', description: '', steps: [{ at: '10s', fault: { kind: 'freeze-master', duration: '5s' } }], thresholds: { expectFailover: true } });
  const f = buildFault(e.steps[0]!.fault);
  assert.equal(f.kind, 'freeze-master');
  assert.match(f.describe(), /5000 ms/);
  assert.throws(() => experimentSchema.parse({ name: 'x', description: '', steps: [{ at: '10s', fault: { kind: 'unplug-datacenter' } }], thresholds: {} }));
});
