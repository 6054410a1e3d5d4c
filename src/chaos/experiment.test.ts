import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { experimentSchema, stepOffsetMs, stepWaitsForFailover } from './experiment.js';
import { buildFault, faultTypes } from './faultRegistry.js';

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

test('every fault type builds a fault of its own kind, and each kind is registered once', () => {
  const kinds = faultTypes.map((t) => t.kind);
  assert.equal(new Set(kinds).size, kinds.length);
  for (const t of faultTypes) {
    // The smallest valid spec: defaults fill the rest; durations and required numbers get a value.
    const sample: Record<string, unknown> = { kind: t.kind, duration: '1s', latencyMs: 1, rateKBps: 1, count: 1, user: 'replicator', sessions: 1 };
    const spec = t.schema.parse(Object.fromEntries(Object.keys(t.schema.shape).filter((k) => k in sample).map((k) => [k, sample[k]])));
    assert.equal(t.create(spec as never).kind, t.kind, t.kind);
  }
});

test('every shipped experiment in chaos/ parses against the registry', async () => {
  const dir = new URL('../../chaos/', import.meta.url);
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    const mod = (await import(new URL(f, dir).href)) as { default: unknown };
    const r = experimentSchema.safeParse(mod.default);
    assert.ok(r.success, `${f}: ${r.success ? '' : r.error.message}`);
  }
});

test('a window waits for a failover only when its step can cause it, or when no step of the experiment can', () => {
  const detect = 3000;
  const parse = (kinds: object[], expectFailover?: boolean) =>
    experimentSchema.parse({ name: 'x', description: 'x', steps: kinds.map((fault, i) => ({ at: `${10 + i * 10}%`, fault })), thresholds: expectFailover === undefined ? {} : { expectFailover } });
  const waits = (e: ReturnType<typeof parse>) => e.steps.map((_, i) => stepWaitsForFailover(e, i, detect));
  const latency = { kind: 'master-latency', latencyMs: 20, duration: '5s' };
  assert.deepEqual(waits(parse([latency, { kind: 'kill-master' }], true)), [false, true]);
  // The same steps without a failover expected: no window waits.
  assert.deepEqual(waits(parse([latency, { kind: 'kill-master' }])), [false, false]);
  // A freeze or partition fails the master over only when it outlasts the failure detection.
  assert.deepEqual(waits(parse([{ kind: 'freeze-master', duration: '1s' }, { kind: 'kill-master' }], true)), [false, true]);
  assert.deepEqual(waits(parse([{ kind: 'partition-master', duration: '3s' }, { kind: 'isolate-master', duration: '2999ms' }], true)), [true, false]);
  // A failover expected of steps none of which fails the master over: every step's window waits.
  assert.deepEqual(waits(parse([{ kind: 'slow-commands', count: 5, blockMs: 100 }, latency], true)), [true, true]);
  for (const kind of ['kill-master', 'planned-failover']) assert.equal(stepWaitsForFailover(parse([latency, { kind }], true), 1, detect), true, kind);
});
