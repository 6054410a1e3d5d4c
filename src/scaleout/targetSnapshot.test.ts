import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardMap } from '../load/shardMap.js';
import { keepHostName } from '../target/clusterReach.js';
import { externalClusterTarget } from '../target/externalClusterTarget.js';
import type { ClusterTargetSpec, ExternalAccess } from '../target/externalTargetFile.js';
import type { ClusterAccess } from '../target/target.js';
import { snapshotOf, targetOf } from './targetSnapshot.js';

const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n');
const spec: ClusterTargetSpec = { clusterNodes: [{ host: 'redis.example', port: 6379 }], username: 'app', allowDestructive: false, natMap: { '10.0.0.5:6379': { host: 'redis.example', port: 7005 } } };
const access = (audit: boolean): ExternalAccess => ({
  source: 'target file t.json',
  spec,
  app: { username: 'app', password: 'pw' },
  sentinelAuth: { username: undefined, password: undefined },
  tls: { ca },
  auditAuth: audit ? { username: 'monitoring', password: 'apw' } : null,
});
const shards = new ShardMap([{ name: 'shard-0 (0-8191)', ranges: [[0, 8191]], master: '10.0.0.5:6379' }, { name: 'shard-1 (8192-16383)', ranges: [[8192, 16383]] }]);

/** What a load worker gets: the snapshot through a thread's structured clone, made a Target again. */
const inWorker = (audit: boolean): { parent: ClusterAccess; worker: ClusterAccess } => {
  const target = externalClusterTarget(access(audit), spec, false);
  target.infoAllowed = true;
  return { parent: target.clusterAccess!()!, worker: targetOf(structuredClone(snapshotOf(target, shards))).clusterAccess!()! };
};

test('a cluster target reaches a worker whole: Cluster client seeds, natMap, TLS kept by host name, credentials, observers and INFO readers per address, the shards as named', () => {
  for (const audit of [false, true]) {
    const { parent, worker } = inWorker(audit);
    assert.deepEqual(worker.client.startupNodes, parent.client.startupNodes);
    const { dnsLookup, ...options } = worker.client.options;
    const { dnsLookup: parentLookup, ...parentOptions } = parent.client.options;
    assert.equal(dnsLookup, keepHostName);
    assert.equal(parentLookup, keepHostName);
    assert.deepEqual(options, parentOptions);
    assert.ok(Buffer.isBuffer((options.redisOptions?.tls as { ca: Buffer }).ca), 'the CA is a Buffer again');
    assert.deepEqual(worker.seeds, parent.seeds);
    assert.deepEqual(worker.observer, parent.observer);
    for (const address of ['10.0.0.5:6379', '10.0.0.9:6380', 'redis.example:6379']) {
      assert.deepEqual(worker.observerOptions(address), parent.observerOptions(address), address);
      assert.ok(worker.nodeInfo.options && parent.nodeInfo.options);
      assert.deepEqual(worker.nodeInfo.options(address), parent.nodeInfo.options(address), address);
    }
    assert.equal(worker.nodeInfo.options ? worker.nodeInfo.as : '', audit ? 'audit user monitoring' : 'app user app');
    assert.deepEqual(worker.knownShards, shards.shards);
  }
});

test('a cluster whose INFO nobody may read says why in the worker too; a Sentinel target has no cluster part', () => {
  const target = externalClusterTarget(access(false), spec, false);
  target.infoAllowed = false;
  const worker = targetOf(structuredClone(snapshotOf(target, shards))).clusterAccess!()!;
  assert.equal(worker.nodeInfo.options, null);
  assert.match(worker.nodeInfo.options === null ? worker.nodeInfo.why : '', /may not run INFO/);
  const sentinel = { ...target, clusterAccess: () => null };
  assert.equal(snapshotOf(sentinel, null).cluster, null);
  assert.equal(targetOf(structuredClone(snapshotOf(sentinel, null))).clusterAccess?.(), null);
});

test('a dnsLookup other than keepHostName is refused rather than silently dropped', () => {
  const target = externalClusterTarget(access(false), spec, false);
  const own = target.clusterAccess!()!;
  const odd = { ...target, clusterAccess: () => ({ ...own, client: { ...own.client, options: { ...own.client.options, dnsLookup: (a: string, cb: (e: Error | null, a: string) => void) => cb(null, a) } } }) };
  assert.throws(() => snapshotOf(odd, null), /own dnsLookup/);
});
