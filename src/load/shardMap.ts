import { Redis } from 'ioredis';
import { TargetError } from '../errors.js';
import type { ClusterAccess, Target } from '../target/target.js';
import { keySlot, prefixedSlot, slotCount } from '../topology/hashSlot.js';
import { keyPatterns } from './session/sessionKeys.js';
import type { OperationEvent } from './operationEvent.js';

export interface ShardRanges {
  name: string;
  ranges: Array<[number, number]>;
  /** Its master's address as the cluster announces it (host:port), when known. */
  master?: string;
}

const none = 255;
const nonceSlot = prefixedSlot(keyPatterns.oauthState.slice(0, keyPatterns.oauthState.indexOf('<')));

/**
 * Which shard of a cluster each operation's keys live on, by a slot -> shard index table made once
 * (the shards as they were when the run began). On the generator's hot path: an operation costs
 * one CRC16 over its user id (every key of a user shares the `{uid}` hash tag), or over its
 * OAuth nonce for the OAuth state operations, and one table read; nothing is allocated.
 */
export class ShardMap {
  readonly names: readonly string[];
  private readonly bySlot = new Uint8Array(slotCount).fill(none);

  constructor(readonly shards: readonly ShardRanges[]) {
    if (shards.length >= none) throw new Error(`too many shards: ${shards.length}`);
    this.names = shards.map((s) => s.name);
    shards.forEach((s, k) => {
      for (const [a, b] of s.ranges) this.bySlot.fill(k, a, b + 1);
    });
  }

  get count(): number {
    return this.names.length;
  }

  /**
   * A slot that stands for shard k: whoever serves it is the shard's master. The middle of its
   * first range, so moving a few slots off a range's edge (a resharding) does not look like a
   * change of master.
   */
  representativeSlot(k: number): number {
    const [a, b] = this.shards[k]?.ranges[0] ?? [0, 0];
    return Math.floor((a + b) / 2);
  }

  /** The shard serving `slot`, or -1 for a slot no shard served. */
  ofSlot(slot: number): number {
    const k = this.bySlot[slot]!;
    return k === none ? -1 : k;
  }

  /** The shard of a user's keys (sessions, tokens, families, the session set). */
  ofUser(uid: string): number {
    // Several observers ask about the same operation in turn: the last answer is kept.
    if (uid !== this.lastUid) {
      this.lastUid = uid;
      this.lastShard = this.ofSlot(keySlot(uid));
    }
    return this.lastShard;
  }
  private lastUid = '';
  private lastShard = -1;

  /** The shard of an OAuth state key. */
  ofNonce(nonce: string): number {
    return this.ofSlot(nonceSlot(nonce));
  }

  /** The shard an operation went to; -1 for an OAuth begin that failed (its nonce was never kept). */
  ofOperation(e: Readonly<OperationEvent>): number {
    if (e.action === 'oauthBegin') return e.error === null && e.session.oauthNonce ? this.ofNonce(e.session.oauthNonce) : -1;
    if (e.action === 'oauthComplete') return e.session.consumedNonce ? this.ofNonce(e.session.consumedNonce) : -1;
    return this.ofUser(e.session.uid);
  }
}

/** CLUSTER SLOTS, grouped by master: each master's ranges, in slot order. */
export function shardsFromClusterSlots(reply: unknown): ShardRanges[] {
  const byMaster = new Map<string, { master: string; ranges: Array<[number, number]> }>();
  for (const entry of reply as Array<[number, number, [string, number, string?]]>) {
    const [a, b, m] = entry;
    const master = `${m[0]}:${m[1]}`;
    const id = m[2] ?? master;
    const shard = byMaster.get(id) ?? { master, ranges: [] };
    shard.ranges.push([Number(a), Number(b)]);
    byMaster.set(id, shard);
  }
  return [...byMaster.values()]
    .map((s) => ({ ...s, ranges: s.ranges.sort((x, y) => x[0] - y[0]) }))
    .sort((x, y) => x.ranges[0]![0] - y.ranges[0]![0])
    .map((s, k) => ({ name: `shard-${k} (${s.ranges.map(([a, b]) => `${a}-${b}`).join(',')})`, ranges: s.ranges, master: s.master }));
}

/**
 * The shards of a Cluster target as the run begins (null for other targets): ours named as
 * `gauntlet status` names them (by the slot range each had when the cluster was created, so a
 * fault's shard index and the map agree), an external one from CLUSTER SLOTS on a seed.
 */
export async function readShardMap(target: Target): Promise<ShardMap | null> {
  if (target.cluster) return new ShardMap((await target.cluster.shards()).map((s) => ({ name: s.name, ranges: s.slots })));
  const access = target.clusterAccess?.();
  if (!access) return null;
  if (access.knownShards) return new ShardMap(access.knownShards);
  return new ShardMap(await readClusterSlots(access));
}

/** The shards of a cluster from CLUSTER SLOTS, asked of the first seed that answers. */
export async function readClusterSlots(access: ClusterAccess): Promise<ShardRanges[]> {
  let lastError = 'no seed node';
  for (const seed of access.seeds) {
    const c = new Redis({ ...access.observerOptions(seed), lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 2000, enableReadyCheck: false, retryStrategy: () => null });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return shardsFromClusterSlots(await c.call('CLUSTER', 'SLOTS'));
    } catch (e) {
      lastError = `${seed}: ${(e as Error).message}`;
    } finally {
      c.disconnect();
    }
  }
  throw new TargetError(`no seed node of the cluster answered CLUSTER SLOTS (${lastError})`);
}
