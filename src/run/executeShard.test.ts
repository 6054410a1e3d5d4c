import { test } from 'node:test';
import assert from 'node:assert/strict';
import { experimentSchema } from '../chaos/experiment.js';
import { parseScenario } from '../load/scenario.js';
import { checkShard, startAtSlackMs } from './executeShard.js';
import { checkWorkers, type RunPlan } from './runPlan.js';

const experiment = (kind: string) => experimentSchema.parse({ name: 'e', description: '', steps: [{ at: '50%', fault: { kind } }], thresholds: {} });

test('workers: at most one per core; experiments that need the app clients or the ledger of one moment are refused', () => {
  assert.doesNotThrow(() => checkWorkers(2, null, 2));
  assert.throws(() => checkWorkers(3, null, 2), /--workers 3: this machine has 2 cores/);
  assert.throws(() => checkWorkers(0, null, 2), /1 or more/);
  assert.doesNotThrow(() => checkWorkers(2, experiment('kill-master'), 2));
  assert.throws(() => checkWorkers(2, experiment('rotate-app-password'), 2), /reconfigures the app's clients/);
  assert.throws(() => checkWorkers(2, experiment('backup-restore'), 2), /copies the ledger at one exact moment/);
  assert.doesNotThrow(() => checkWorkers(1, experiment('backup-restore'), 1), 'in one thread they run as before');
});

const scenario = parseScenario(
  {
    name: 'shard', description: '', stages: [{ name: 'hold', duration: '2s', sessions: 10 }],
    session: { thinkTime: { distribution: 'constant', ms: 1000 }, mix: { request: 1, refresh: 0, oauth: 0, revokeAll: 0 }, meanLifetime: '1h', ttl: { session: '1h', refreshToken: '1h', oauthState: '1h' } },
    clients: { instances: 1 }, thresholds: { p99Ms: 10, maxErrorRate: 0.01 },
  },
  'test',
);
const plan = (over: Partial<RunPlan> = {}): RunPlan => ({
  runId: 'r', scenario, scenarioSource: 'test', experiment: null, seed: 1, target: 'detached', tls: undefined, allowDestructive: false, writeMode: 'async', verify: true,
  monitoring: false, metricsPort: undefined, baseline: null, ...over,
});

test('a shard needs a shared target, no chaos, and a start that is not past', () => {
  const now = Date.parse('2030-01-01T12:00:00Z');
  const shard = { index: 1, count: 3 };
  assert.doesNotThrow(() => checkShard(plan(), shard, now + 60_000, now));
  assert.doesNotThrow(() => checkShard(plan(), shard, now - startAtSlackMs + 1, now), 'a few seconds late: pods start at different moments');
  assert.throws(() => checkShard(plan(), shard, now - startAtSlackMs - 1000, now), /--start-at 2030-01-01T11:59:54\.000Z is 6 s in the past/);
  assert.throws(() => checkShard(plan(), shard, now + 25 * 3600_000, now), /more than 24 h ahead/);
  assert.throws(() => checkShard(plan(), shard, Number.NaN, now), /ISO 8601/);
  assert.throws(() => checkShard(plan({ target: undefined }), shard, now, now), /--shard 1\/3: every shard must load the same target/);
  assert.throws(() => checkShard(plan({ experiment: experiment('kill-master') }), shard, now, now), /chaos runs in one process/);
});
