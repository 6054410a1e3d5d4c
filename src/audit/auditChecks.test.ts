import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditAclUser, auditFails, auditNodeConfig, auditSentinel, auditWriteFence, sentinelPeerOnSentinels, sentinelUserOnNodes, settingsFromInfo, type AclExpectation, type AclUserFacts } from './auditChecks.js';

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

test('min-replicas-max-lag above down-after is found when the fence is on, and not at or below it', () => {
  const fence = (toWrite: string, lag: string, downAfterMs: number) => auditWriteFence({ name: 'n', config: { 'min-replicas-to-write': toWrite, 'min-replicas-max-lag': lag } }, downAfterMs).map((f) => `${f.id}:${f.severity}`);
  assert.deepEqual(fence('1', '10', 3000), ['replica-lag-above-down-after:medium']);
  assert.deepEqual(fence('1', '4', 3000), ['replica-lag-above-down-after:medium']);
  assert.deepEqual(fence('1', '2', 3000), []);
  assert.deepEqual(fence('1', '3', 3000), []);
  // Without the fence the lag does nothing (auditNodeConfig's min-replicas finding covers that).
  assert.deepEqual(fence('0', '10', 3000), []);
});

/** A user as the reference files define it: every required command allowed, nothing forbidden. */
function referenceFacts(e: AclExpectation, o: { allow?: string[]; deny?: string[]; keys?: string; commands?: string; exists?: boolean } = {}): AclUserFacts {
  const permits: Record<string, boolean> = {};
  for (const p of e.required) permits[p] = true;
  for (const p of e.forbidden.flatMap((g) => g.probes)) permits[p] = false;
  for (const p of o.allow ?? []) permits[p] = true;
  for (const p of o.deny ?? []) permits[p] = false;
  return { where: 's', user: e.user, exists: o.exists ?? true, commands: o.commands ?? '-@all +ping', keys: o.keys ?? '', channels: '&__sentinel__:hello', permits };
}

test('the reference sentinel and sentinel-peer users have no findings', () => {
  assert.deepEqual(auditAclUser(referenceFacts(sentinelUserOnNodes), sentinelUserOnNodes), []);
  assert.deepEqual(auditAclUser(referenceFacts(sentinelPeerOnSentinels), sentinelPeerOnSentinels), []);
});

test('a sentinel user with CONFIG SET or broad CLIENT rights is found, and one missing a command Sentinel sends', () => {
  const ids = (f: AclUserFacts, e: AclExpectation) => auditAclUser(f, e).map((x) => `${x.id}:${x.severity}`);
  assert.deepEqual(ids(referenceFacts(sentinelUserOnNodes, { allow: ['CONFIG SET appendonly no'] }), sentinelUserOnNodes), ['sentinel-user-config-set:high']);
  assert.deepEqual(ids(referenceFacts(sentinelUserOnNodes, { allow: ['CLIENT PAUSE 1', 'CLIENT LIST'] }), sentinelUserOnNodes), ['sentinel-user-broad-client:medium']);
  assert.deepEqual(ids(referenceFacts(sentinelUserOnNodes, { deny: ['CONFIG REWRITE'] }), sentinelUserOnNodes), ['sentinel-user-lacks:high']);
  assert.deepEqual(ids(referenceFacts(sentinelUserOnNodes, { exists: false }), sentinelUserOnNodes), ['sentinel-user-missing:high']);
  const lacks = auditAclUser(referenceFacts(sentinelUserOnNodes, { deny: ['CONFIG REWRITE', 'SLAVEOF NO ONE'] }), sentinelUserOnNodes)[0]!;
  assert.match(lacks.problem, /SLAVEOF NO ONE, CONFIG REWRITE/);
});

test('a sentinel-peer user with ~* +@all is found; one that cannot vote is found too', () => {
  const ids = (f: AclUserFacts) => auditAclUser(f, sentinelPeerOnSentinels).map((x) => `${x.id}:${x.severity}`);
  const all = sentinelPeerOnSentinels.forbidden.flatMap((g) => g.probes);
  assert.deepEqual(ids(referenceFacts(sentinelPeerOnSentinels, { keys: '~*', commands: '+@all', allow: all })), ['sentinel-peer-broad:high']);
  // Rules that grant everything are named even where no probe shows it (a probe list is never complete).
  assert.deepEqual(ids(referenceFacts(sentinelPeerOnSentinels, { keys: '~*', commands: '+@all' })), ['sentinel-peer-user-all:medium']);
  assert.deepEqual(ids(referenceFacts(sentinelPeerOnSentinels, { deny: ['SENTINEL IS-MASTER-DOWN-BY-ADDR 127.0.0.1 6379 0 *'] })), ['sentinel-peer-user-lacks:high']);
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
