import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFails, auditNodeConfig, auditSentinel, settingsFromInfo } from './auditChecks.js';

const reference = { appendonly: 'yes', appendfsync: 'everysec', 'aof-timestamp-enabled': 'yes', maxmemory: '1073741824', 'maxmemory-policy': 'noeviction', 'min-replicas-to-write': '1', 'slowlog-log-slower-than': '10000', 'protected-mode': 'yes' };

test('the reference node configuration has no findings', () => {
  assert.deepEqual(auditNodeConfig({ name: 'n', config: reference }), []);
  assert.deepEqual(auditSentinel({ name: 's', downAfterMs: 3000, failoverTimeoutMs: 10_000, quorum: 2, knownSentinels: 2 }, 3), []);
});

test('each planted misconfiguration is found with its severity', () => {
  const ids = (c: Record<string, string>) => auditNodeConfig({ name: 'n', config: { ...reference, ...c } }).map((f) => `${f.id}:${f.severity}`);
  assert.deepEqual(ids({ appendonly: 'no' }), ['aof-off:high']);
  assert.deepEqual(ids({ maxmemory: '0' }), ['maxmemory-unset:high']);
  assert.deepEqual(ids({ 'maxmemory-policy': 'allkeys-lru' }), ['eviction-policy:high']);
  assert.deepEqual(ids({ 'min-replicas-to-write': '0' }), ['min-replicas:low']);
  assert.deepEqual(auditSentinel({ name: 's', downAfterMs: 30_000, failoverTimeoutMs: 180_000, quorum: 1, knownSentinels: 1 }, 3).map((f) => f.id), ['failover-slow', 'quorum-minority', 'sentinel-discovery', 'failover-timeout']);
});

test('the exit gate follows --fail-on', () => {
  const low = [{ id: 'x', severity: 'low' as const, where: '', problem: '', fix: '' }];
  assert.equal(auditFails(low, 'medium'), false);
  assert.equal(auditFails(low, 'low'), true);
});

test('settings read from INFO (CONFIG refused) are judged; settings INFO does not show are not taken as unset', () => {
  const info = new Map([['aof_enabled', '0'], ['maxmemory', '0'], ['maxmemory_policy', 'allkeys-lru'], ['used_memory', '1000']]);
  const config = settingsFromInfo(info);
  assert.deepEqual(config, { appendonly: 'no', maxmemory: '0', 'maxmemory-policy': 'allkeys-lru' });
  const ids = auditNodeConfig({ name: 'endpoint', config, complete: false }).map((f) => f.id);
  assert.deepEqual(ids, ['aof-off', 'maxmemory-unset', 'eviction-policy']);
  const good = settingsFromInfo(new Map([['aof_enabled', '1'], ['maxmemory', '1073741824'], ['maxmemory_policy', 'noeviction']]));
  assert.deepEqual(auditNodeConfig({ name: 'endpoint', config: good, complete: false }), []);
  // The same partial record read as a complete CONFIG GET would flag what it lacks.
  assert.ok(auditNodeConfig({ name: 'n', config: good }).some((f) => f.id === 'min-replicas'));
});
