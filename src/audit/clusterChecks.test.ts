import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseClusterNodes } from '../topology/clusterNodes.js';
import { auditAclConsistency, auditClusterNodeConfig, auditReplicaPlacement, auditSlotCoverage, hostOf, uncoveredSlots, unseenClusterSettings } from './clusterChecks.js';

const reference = { 'cluster-node-timeout': '3000', 'cluster-require-full-coverage': 'yes', 'cluster-replica-validity-factor': '10' };
const ids = (c: Record<string, string>, complete?: boolean): string[] => auditClusterNodeConfig({ name: 'n', config: c, complete }).map((f) => `${f.id}:${f.severity}`);

test('the reference cluster settings (and the Redis default node timeout of 15 s) have no findings', () => {
  assert.deepEqual(ids(reference), []);
  assert.deepEqual(ids({ ...reference, 'cluster-node-timeout': '15000' }), []);
});

test('cluster-node-timeout against the 30 s goal: 60000 is slow, 20000 has little margin', () => {
  const slow = auditClusterNodeConfig({ name: 'node-4', config: { ...reference, 'cluster-node-timeout': '60000' } });
  assert.deepEqual(slow.map((f) => `${f.id}:${f.severity}@${f.where}`), ['cluster-failover-slow:high@node-4']);
  assert.match(slow[0]!.problem, /at least 65 s .*above the 30 s goal/);
  assert.deepEqual(ids({ ...reference, 'cluster-node-timeout': '25001' }), ['cluster-failover-slow:high']);
  assert.deepEqual(ids({ ...reference, 'cluster-node-timeout': '25000' }), ['cluster-failover-margin:medium']);
  assert.deepEqual(ids({ ...reference, 'cluster-node-timeout': '20000' }), ['cluster-failover-margin:medium']);
  assert.deepEqual(ids({ ...reference, 'cluster-node-timeout': '16666' }), []);
});

test('partial coverage and a replica validity factor of 0 are found', () => {
  assert.deepEqual(ids({ ...reference, 'cluster-require-full-coverage': 'no' }), ['cluster-partial-coverage:medium']);
  assert.deepEqual(ids({ ...reference, 'cluster-replica-validity-factor': '0' }), ['cluster-replica-validity-off:medium']);
  assert.deepEqual(ids({ ...reference, 'cluster-replica-validity-factor': '1' }), []);
});

test('settings that were not visible are not judged, and are named', () => {
  assert.deepEqual(ids({ appendonly: 'yes' }, false), []);
  assert.deepEqual(unseenClusterSettings({ name: 'n', config: { 'cluster-node-timeout': '3000' }, complete: false }), ['cluster-require-full-coverage', 'cluster-replica-validity-factor']);
  assert.deepEqual(unseenClusterSettings({ name: 'n', config: reference }), []);
});

/** Three shards, each master on its own host with its replica on another (CLUSTER NODES as a node prints it). */
const spread = `m0 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460
m1 10.0.0.2:6379@16379 master - 0 0 2 connected 5461-10922
m2 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16383
r0 10.0.0.2:6380@16380 slave m0 0 0 1 connected
r1 10.0.0.3:6380@16380 slave m1 0 0 2 connected
r2 10.0.0.1:6380@16380 slave m2 0 0 3 connected
`;
const name = (a: string): string => `node ${a}`;

test('a healthy cluster with replicas on other hosts: every slot covered, no placement finding', () => {
  const view = parseClusterNodes(spread);
  assert.deepEqual(uncoveredSlots(view), []);
  assert.deepEqual(auditSlotCoverage(view, 'node-0'), []);
  assert.deepEqual(auditReplicaPlacement(view, name), []);
});

test('uncovered slots: a missing range and a master flagged failed are found with the ranges', () => {
  const missing = parseClusterNodes(spread.replace('connected 5461-10922', 'connected 5461-10000'));
  assert.deepEqual(uncoveredSlots(missing), [[10001, 10922]]);
  const f = auditSlotCoverage(missing, 'node-0');
  assert.deepEqual(f.map((x) => `${x.id}:${x.severity}@${x.where}`), ['slots-uncovered:critical@node-0']);
  assert.match(f[0]!.problem, /^922 of 16384 slots have no working master \(10001-10922\)/);
  const failed = parseClusterNodes(spread.replace('m2 10.0.0.3:6379@16379 master', 'm2 10.0.0.3:6379@16379 master,fail'));
  assert.deepEqual(uncoveredSlots(failed), [[10923, 16383]]);
  // A master only suspected (fail?) by one node still serves its slots.
  assert.deepEqual(uncoveredSlots(parseClusterNodes(spread.replace('master - 0 0 3', 'master,fail? - 0 0 3'))), []);
  assert.deepEqual(uncoveredSlots([]), [[0, 16383]]);
});

test('a master without a working replica, and replicas on the master\'s own host, are found', () => {
  const lonely = parseClusterNodes(spread.replace('r1 10.0.0.3:6380@16380 slave m1', 'r1 10.0.0.3:6380@16380 slave,fail m1'));
  assert.deepEqual(auditReplicaPlacement(lonely, name).map((f) => `${f.id}:${f.severity}@${f.where}`), ['master-without-replica:high@node 10.0.0.2:6379']);
  const sameHost = parseClusterNodes(spread.replace('r0 10.0.0.2:6380', 'r0 10.0.0.1:6381'));
  const f = auditReplicaPlacement(sameHost, name);
  assert.deepEqual(f.map((x) => `${x.id}:${x.severity}@${x.where}`), ['replica-same-host:high@node 10.0.0.1:6379']);
  assert.match(f[0]!.problem, /on its host 10\.0\.0\.1 \(node 10\.0\.0\.1:6381/);
  // A second replica elsewhere is enough.
  assert.deepEqual(auditReplicaPlacement(parseClusterNodes(`${spread.replace('r0 10.0.0.2:6380', 'r0 10.0.0.1:6381')}r0b 10.0.0.3:6381@16381 slave m0 0 0 1 connected\n`), name), []);
});

test('an all-loopback cluster (one machine) is a low finding per master, not a failure', () => {
  const loop = parseClusterNodes(spread.replace(/10\.0\.0\.(\d):(\d+)@(\d+)/g, '127.0.0.1:$2$1@$3$1'));
  const f = auditReplicaPlacement(loop, name);
  assert.deepEqual(f.map((x) => `${x.id}:${x.severity}`), ['replica-same-host:low', 'replica-same-host:low', 'replica-same-host:low']);
  assert.match(f[0]!.problem, /loopback host 127\.0\.0\.1 .*one machine/);
  assert.equal(hostOf('[::1]:6379'), '::1');
});

const acl = ['user admin on #aaa ~* &* +@all', 'user app on #bbb resetchannels ~sess:* -@all +get +set', 'user default off resetchannels -@all'];

test('ACL users identical on every node: no finding', () => {
  assert.deepEqual(auditAclConsistency([0, 1, 2].map((i) => ({ where: `node-${i}`, lines: acl }))), []);
  assert.deepEqual(auditAclConsistency([{ where: 'node-0', lines: acl }]), []);
  // Two processes print the same user's commands in different orders (seen on redis 7.4).
  assert.deepEqual(auditAclConsistency([{ where: 'node-0', lines: acl }, { where: 'node-1', lines: acl.map((l) => l.replace('+get +set', '+set +get')) }]), []);
});

test('a user added, removed, changed or given another password on one node is found on that node, without the hash', () => {
  const with1 = (lines: string[]) => auditAclConsistency([{ where: 'node-0', lines: acl }, { where: 'node-1', lines }, { where: 'node-2', lines: acl }]);
  const extra = with1([...acl, 'user backdoor on #ccc ~* +@all']);
  assert.deepEqual(extra.map((f) => `${f.id}:${f.severity}@${f.where}`), ['acl-users-differ:high@node-1']);
  assert.match(extra[0]!.problem, /^user backdoor exists here but not on 2 other nodes/);
  const missing = with1(acl.filter((l) => !l.includes('app')));
  assert.match(missing[0]!.problem, /^no user app here, while 2 other nodes have it/);
  assert.equal(missing[0]!.where, 'node-1');
  const broader = with1(acl.map((l) => l.replace('+get +set', '+get +set +flushall')));
  assert.deepEqual(broader.map((f) => f.problem), ['user app differs from 2 other nodes: only here: +flushall']);
  const selector = with1(acl.map((l) => l.replace('+get +set', '+get +set (~admin:* +get)')));
  assert.deepEqual(selector.map((f) => f.problem), ['user app differs from 2 other nodes: only here: (~admin:* +get)']);
  const password = with1(acl.map((l) => l.replace('#bbb', '#zzz')));
  assert.deepEqual(password.map((f) => f.problem), ['user app differs from 2 other nodes: the password differs']);
  assert.doesNotMatch(JSON.stringify([extra, missing, broader, password]), /#(bbb|ccc|zzz)/);
});

test('the section the fixes point to exists and lists every finding id', () => {
  const doc = readFileSync(new URL('../../docs/cluster.md', import.meta.url), 'utf8');
  const section = doc.split('\n## Audit on a cluster\n')[1]?.split('\n## ')[0];
  assert.ok(section, 'docs/cluster.md has no "## Audit on a cluster"');
  for (const id of ['cluster-failover-slow', 'cluster-failover-margin', 'cluster-partial-coverage', 'cluster-replica-validity-off', 'slots-uncovered', 'master-without-replica', 'replica-same-host', 'acl-users-differ']) assert.ok(section.includes(`\`${id}\``), id);
});
