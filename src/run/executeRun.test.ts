import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeRun } from './executeRun.js';
import { planRun, type RunRequest } from './runPlan.js';
import type { RunProgress } from './runResult.js';

const request: RunRequest = { scenario: 'smoke', seed: 42, durable: false, verify: true, monitoring: false, tls: false, mtls: false, allowDestructive: false };

/**
 * A run aborted before it starts (Ctrl-C while the plan was being made) needs no servers: it must
 * come back as a result, not an exception, start nothing, and never say `pass`.
 */
test('executeRun with an already-aborted signal starts nothing and returns a result whose verdict is not pass', async () => {
  const plan = await planRun(request);
  const heard: RunProgress[] = [];
  const r = await executeRun(plan, { signal: AbortSignal.abort('stopped before the start'), onProgress: (p) => heard.push(p) });
  assert.deepEqual(heard, [], 'no phase began: no target was prepared, no load driven');
  assert.equal(r.summary.aborted, true);
  assert.equal(r.summary.verdict, 'invalid');
  const completed = r.summary.thresholds.find((g) => g.name === 'the run went to the end of its schedule');
  assert.equal(completed?.pass, false);
  assert.match(completed.actual, /stopped early at 0\.0 s \(stopped before the start\)/);
  assert.deepEqual([r.summary.ops.intended, r.summary.ops.total], [0, 0], 'no load was driven');
  assert.equal(r.summary.ledger, null, 'nothing to verify');
});

test('with a chaos experiment planned too, an aborted run is not a pass', async () => {
  const plan = await planRun({ ...request, chaos: 'kill-master' });
  const r = await executeRun(plan, { signal: AbortSignal.abort('stopped before the start') });
  assert.equal(r.summary.aborted, true);
  assert.equal(r.summary.verdict, 'invalid');
});
