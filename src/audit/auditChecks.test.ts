import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditFails, auditNodeConfig, auditSentinel } from './auditChecks.js';

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
