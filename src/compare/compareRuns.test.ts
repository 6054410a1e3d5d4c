import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns, defaultTolerances } from './compareRuns.js';
import type { Summary } from '../report/summarySchema.js';

const p = (p99: number) => ({ p50: 1, p90: 2, p99, p999: p99, max: p99, count: 1000 });
function summary(p99: number, opsPerS: number, lost: number, failoverMs: number | null): Summary {
  return {
    latencyMs: { overall: p(p99), byOp: { login: p(p99), request: p(p99) }, outsideChaos: null },
    ops: { achievedPerSecond: opsPerS },
    failover: failoverMs === null ? null : { count: 1, clientObservedMs: failoverMs, latencyRecoveryMs: [], sentinelEvents: [] },
    ledger: { keysChecked: 10, lost, resurrected: 0, staleReads: 0, indeterminate: 0, expired: 0, examples: [] },
  } as unknown as Summary;
}

test('an identical pair has no regression', () => {
  const s = summary(5, 6000, 0, 4000);
  assert.ok(compareRuns(s, s).every((r) => !r.regression));
});

test('flags a p99, throughput, failover or lost-write regression beyond tolerance', () => {
  const base = summary(5, 6000, 0, 4000);
  const rows = compareRuns(base, summary(8, 5000, 3, 9000));
  const flagged = rows.filter((r) => r.regression).map((r) => r.metric);
  assert.deepEqual(flagged, ['p99 ms, all operations', 'p99 ms, login', 'p99 ms, request', 'achieved operations/s', 'failover write unavailability ms', 'acknowledged writes lost']);
});

test('changes within tolerance are not regressions', () => {
  const rows = compareRuns(summary(5, 6000, 0, 4000), summary(5.5, 5800, 0, 4500));
  assert.ok(rows.every((r) => !r.regression), JSON.stringify(rows.filter((r) => r.regression)));
});

test('a p99 from fewer samples than the minimum is shown, not judged', () => {
  const few = (p99: number) => ({ p50: 1, p90: 2, p99, p999: p99, max: p99, count: 28 });
  const base = summary(1, 6000, 0, null);
  const cur = summary(1, 6000, 0, null);
  base.latencyMs.byOp.logout = few(1.1);
  cur.latencyMs.byOp.logout = few(3.7);
  const row = compareRuns(base, cur).find((r) => r.metric === 'p99 ms, logout')!;
  assert.equal(row.regression, false);
  assert.match(row.tolerance, /not judged: 28 samples, fewer than 100/);
  assert.equal(compareRuns(base, cur, { ...defaultTolerances, minSamples: 10 }).find((r) => r.metric === 'p99 ms, logout')!.regression, true, 'judged with enough samples');
});
