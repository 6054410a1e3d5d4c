import { test } from 'node:test';
import { readdirSync } from 'node:fs';
import assert from 'node:assert/strict';
import { ChaosWindows } from '../load/chaosWindows.js';
import { parseScenario } from '../load/scenario.js';
import type { Target } from '../target/target.js';
import { clientNumbersOf, WorkerPool } from './workerPool.js';

const scenario = parseScenario(
  {
    name: 'crash', description: '', stages: [{ name: 'hold', duration: '2s', sessions: 10 }],
    session: { thinkTime: { distribution: 'constant', ms: 1000 }, mix: { request: 1, refresh: 0, oauth: 0, revokeAll: 0 }, meanLifetime: '1h', ttl: { session: '1h', refreshToken: '1h', oauthState: '1h' } },
    clients: { instances: 3 }, thresholds: { p99Ms: 10, maxErrorRate: 0.01 },
  },
  'test',
);

// Never connected to: the misbehaving worker loads nothing.
const target: Target = {
  kind: 'detached', topology: null, allowDestructive: false, infoAllowed: true,
  describe: () => ({ kind: 'detached', masterName: 'm', sentinels: [], endpoint: null, topologyId: 't', tls: false, settings: null }),
  clientOptions: () => ({ host: '127.0.0.1', port: 1 }),
  infoAccess: () => ({ options: null, why: 'test' }),
  sentinelEndpoints: () => [], plainEndpoint: () => null, close: async () => undefined,
};

test('app clients are shared out among workers by number, each worker at least one', () => {
  assert.deepEqual([0, 1].map((index) => clientNumbersOf({ index, count: 2 }, 3)), [[0, 2], [1]]);
  assert.deepEqual([0, 1, 2].map((index) => clientNumbersOf({ index, count: 3 }, 2)), [[0], [1], [4]]);
});

test('a worker that crashes stops the others and makes the load aborted, naming it; no thread is left running', { timeout: 60_000 }, async () => {
  const pool = new WorkerPool(2, new URL('../../test/integration/fixtures/misbehavingLoadWorker.ts', import.meta.url));
  const run = { seed: 1, scenario, scenarioSource: 'test', writeMode: 'async' as const, verify: false, startAt: null, target: target.describe(), redisVersion: null, dataPath: 'direct' as const, workers: 2 };
  const threads = (): number => readdirSync('/proc/self/task').length;
  const before = threads();
  let during = 0;
  const look = setInterval(() => (during = Math.max(during, threads())), 20);
  const started = performance.now();
  const merged = await pool.run({ scenario, target, seed: 1, run, windows: new ChaosWindows(), observers: [], signal: new AbortController().signal, durableWaitMs: null });
  assert.ok(performance.now() - started < 30_000, 'bounded: the crash is noticed, nobody waits for the schedule to end');
  assert.equal(merged.load.aborted, true);
  assert.match(merged.partial.load.abortReason!, /worker 1 of 2 crashed: planted crash/);
  assert.deepEqual(merged.generators.map((g) => g.label), ['worker 2 of 2']);
  clearInterval(look);
  assert.ok(during >= before + 2, `the workers ran as threads (${before} before, ${during} during)`);
  assert.ok(threads() <= before, `${threads()} threads after, ${before} before`);
});
