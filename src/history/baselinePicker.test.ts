import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickBaseline } from './baselinePicker.js';
import { nightSummarySchema, type Night, type NightSummary } from './nightSummary.js';
import { runSettingsKey } from './runSettings.js';

const p = { p50: 1, p99: 2 };
let seq = 0;
/** A synthetic night: a passing smoke run on the embedded topology unless `over` says otherwise. */
function night(over: Partial<Omit<NightSummary, 'target'>> & { target?: Partial<NightSummary['target']> } = {}): Night {
  const runId = over.runId ?? `run-${++seq}`;
  const summary = nightSummarySchema.parse({
    schemaVersion: 1,
    runId,
    verdict: 'pass',
    startedAt: new Date(Date.UTC(2026, 0, 1) + seq * 86_400_000).toISOString(),
    scenario: { name: 'smoke', stages: [{ name: 'steady', durationMs: 10_000, sessions: 200, loginRate: null }] },
    ops: { intended: 100, total: 100, errors: 0, intendedPerSecond: 10, achievedPerSecond: 10 },
    latencyMs: { overall: p, byOp: { login: p } },
    generator: { schedulerLagMs: { p99: 1 }, cpuPercent: { mean: 10, max: 20 }, saturated: false },
    ...over,
    target: { kind: 'embedded', masterName: 'gauntlet', sentinels: ['127.0.0.1:1'], settings: { downAfterMs: 3000, tls: 'off' }, ...over.target },
  });
  return { summary, file: `/h/${runId}/summary.json`, reportFile: null };
}

test('picks the newest passing run of the same scenario, target kind and settings', () => {
  const older = night({ runId: 'older' });
  const newer = night({ runId: 'newer' });
  const current = night({ runId: 'current' });
  assert.equal(pickBaseline([newer, older], current.summary)?.summary.runId, 'newer');
  assert.equal(pickBaseline([older], current.summary)?.summary.runId, 'older');
});

test('failed, invalid and stopped-early runs are never a baseline, nor the current run itself', () => {
  const good = night({ runId: 'good' });
  const nights = [good, night({ verdict: 'fail' }), night({ verdict: 'invalid' }), night({ aborted: true })];
  const current = night({ runId: 'current' });
  assert.equal(pickBaseline(nights, current.summary)?.summary.runId, 'good');
  assert.equal(pickBaseline([...nights, current], current.summary)?.summary.runId, 'good');
  assert.equal(pickBaseline(nights.slice(1), current.summary), null);
});

test('another scenario, stage shape, target kind, target setting, write mode or experiment does not match', () => {
  const current = night().summary;
  const others = [
    night({ scenario: { name: 'steady-50k', stages: current.scenario.stages } }),
    night({ scenario: { name: 'smoke', stages: [{ name: 'steady', durationMs: 10_000, sessions: 400, loginRate: null }] } }),
    night({ target: { kind: 'detached' } }),
    night({ target: { settings: { downAfterMs: 5000, tls: 'off' } } }),
    night({ target: { tls: true } }),
    night({ writeMode: 'durable' }),
    night({ chaos: { experiment: 'kill-master', steps: [] } }),
  ];
  for (const o of others) assert.equal(pickBaseline([o], current), null, runSettingsKey(o.summary));
  assert.equal(pickBaseline([...others, night({ runId: 'same' })], current)?.summary.runId, 'same');
});

test('embedded topologies match whatever ports they got; external targets must be the same deployment', () => {
  assert.equal(runSettingsKey(night({ target: { sentinels: ['127.0.0.1:2'] } }).summary), runSettingsKey(night().summary));
  const staging = (sentinels: string[]) => night({ target: { kind: 'external', settings: null, sentinels } }).summary;
  assert.equal(runSettingsKey(staging(['10.0.0.5:26379', '10.0.0.6:26379'])), runSettingsKey(staging(['10.0.0.6:26379', '10.0.0.5:26379'])));
  assert.notEqual(runSettingsKey(staging(['10.0.0.5:26379'])), runSettingsKey(staging(['10.9.9.9:26379'])));
});

test('a summary without the newer optional fields still matches one with them', () => {
  const withFields = night().summary;
  const older = nightSummarySchema.parse({ ...withFields, runId: 'older', writeMode: undefined, chaos: undefined, aborted: undefined });
  assert.equal(pickBaseline([{ summary: older, file: 'x', reportFile: null }], withFields)?.summary.runId, 'older');
});
