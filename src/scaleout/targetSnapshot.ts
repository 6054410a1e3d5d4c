import type { RedisOptions } from 'ioredis';
import type { ShardMap } from '../load/shardMap.js';
import { keepHostName, optionsAt } from '../target/clusterReach.js';
import type { ClusterAccess, NodeInfoAccess, Target } from '../target/target.js';
import type { ClusterSnapshot, TargetSnapshot } from './workerProtocol.js';

/**
 * A target as a load worker receives it: what its engine needs (app clients' options, who reads
 * INFO; on a cluster the Cluster clients' seeds, natMap, TLS and credentials, and how observers
 * reach each node), as data a thread can receive (no clients, no topology, no functions), and
 * back as a Target in the worker.
 */
export function snapshotOf(target: Target, shards: ShardMap | null): TargetSnapshot {
  const access = target.clusterAccess?.() ?? null;
  return { kind: target.kind, clientOptions: target.clientOptions(), infoAllowed: target.infoAllowed, infoAccess: target.infoAccess(), cluster: access ? clusterSnapshotOf(access, shards) : null };
}

function clusterSnapshotOf(a: ClusterAccess, shards: ShardMap | null): ClusterSnapshot {
  const { dnsLookup, ...options } = a.client.options;
  // Functions do not cross threads: the one lookup a target sets is named, anything else is a bug to fix here.
  if (dnsLookup !== undefined && dnsLookup !== keepHostName) throw new Error('a Cluster target with its own dnsLookup cannot be described to a load worker');
  if (typeof options.natMap === 'function') throw new Error('a Cluster target with a natMap function cannot be described to a load worker');
  return {
    startupNodes: a.client.startupNodes.map((n) => ({ ...n })),
    options,
    keepHostNames: dnsLookup !== undefined,
    seeds: [...a.seeds],
    reach: a.reach,
    observerAuth: a.observerAuth,
    observer: { ...a.observer },
    nodeInfo: a.nodeInfo.options ? { auth: a.nodeInfo.auth, as: a.nodeInfo.as } : { why: a.nodeInfo.why },
    shards: (shards?.shards ?? []).map((s) => ({ ...s, ranges: s.ranges.map(([x, y]): [number, number] => [x, y]) })),
  };
}

/** Buffers (TLS certificates) arrive as plain Uint8Arrays; tls wants Buffers. */
function revive<T>(v: T): T {
  if (v instanceof Uint8Array) return (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)) as T;
  if (Array.isArray(v)) return v.map(revive) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)])) as T;
  return v;
}

function clusterAccessOf(c: ClusterSnapshot): ClusterAccess {
  const observerAuth = revive(c.observerAuth);
  const observerOptions = (address: string): RedisOptions => optionsAt(c.reach, observerAuth, address);
  let nodeInfo: NodeInfoAccess;
  if ('why' in c.nodeInfo) nodeInfo = { options: null, why: c.nodeInfo.why };
  else {
    const auth = revive(c.nodeInfo.auth);
    nodeInfo = { options: (address) => optionsAt(c.reach, auth, address), auth, as: c.nodeInfo.as };
  }
  const options = revive(c.options);
  return {
    client: { startupNodes: c.startupNodes, options: { ...options, ...(c.keepHostNames ? { dnsLookup: keepHostName } : {}) } },
    seeds: c.seeds,
    observerOptions,
    reach: c.reach,
    observerAuth,
    observer: c.observer,
    nodeInfo,
    ...(c.shards.length > 0 ? { knownShards: c.shards } : {}),
  };
}

/** The target a worker's engine loads: its clients' options as the parent's; nothing to control or close. */
export function targetOf(t: TargetSnapshot): Target {
  const clientOptions = revive(t.clientOptions);
  const info = t.infoAccess.options ? { options: revive(t.infoAccess.options), as: t.infoAccess.as } : t.infoAccess;
  const cluster = t.cluster ? clusterAccessOf(t.cluster) : null;
  return {
    kind: t.kind,
    describe: () => ({ kind: t.kind, masterName: '', sentinels: [], endpoint: null, topologyId: null, tls: false, settings: null }),
    clientOptions: () => ({ ...clientOptions }),
    topology: null,
    cluster: null,
    clusterAccess: () => cluster,
    allowDestructive: false,
    infoAllowed: t.infoAllowed,
    infoAccess: () => info,
    sentinelEndpoints: () => [],
    plainEndpoint: () => null,
    close: async () => undefined,
  };
}
