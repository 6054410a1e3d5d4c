import { Redis, type RedisOptions } from 'ioredis';
import { firstLine } from '../errors.js';
import type { ClusterAccess, Target } from '../target/target.js';
import { servesSlot } from '../topology/clusterNodes.js';
import { withTimeout } from '../waitUntil.js';
import { readShardMap, shardsFromClusterSlots, type ShardRanges } from './shardMap.js';

/** One shard's answer to a read on its master: the value, or why there is none this time. */
export type ShardRead<T> = { shard: string; node: string; value: T; error: null } | { shard: string; node: string | null; value: null; error: string };

/** The master (host:port as the cluster announces it) serving `slot` among CLUSTER SLOTS' shards; null when none does. */
export function masterServing(shards: readonly ShardRanges[], slot: number): string | null {
  return shards.find((s) => servesSlot(s.ranges, slot))?.master ?? null;
}

/**
 * Each shard's current master of a Cluster target, followed through failovers: before every read
 * CLUSTER SLOTS (one seed that answers; the next seed after one that did not) names who serves
 * each shard's representative slot, and the read goes to that node on a connection of this
 * object's own (one per node, as the user `nodeInfo` names), so a slow answer never holds up the
 * load or another shard. Shards are named as the shard map names them.
 */
export class ShardMasters {
  private readonly masters: Array<string | null>;
  private readonly pending: boolean[];
  private readonly clients = new Map<string, Redis>();
  private observer: Redis | null = null;
  private seedIndex = 0;
  private refreshError: string | null = null;

  private constructor(
    private readonly target: Target,
    private readonly access: ClusterAccess,
    private readonly options: (address: string) => RedisOptions,
    readonly names: readonly string[],
    private readonly slots: readonly number[],
    masters: ReadonlyArray<string | null>,
  ) {
    this.masters = [...masters];
    this.pending = names.map(() => false);
  }

  /** The target's shards and masters as the run begins; why not, for a target that is no cluster or whose INFO nobody may read. */
  static async open(target: Target): Promise<ShardMasters | { why: string }> {
    const access = target.clusterAccess?.();
    if (!access) return { why: 'not a cluster' };
    if (access.nodeInfo.options === null) return { why: access.nodeInfo.why };
    try {
      const map = await withTimeout(readShardMap(target), 10_000, 'the cluster did not name its shards');
      if (!map) return { why: 'not a cluster' };
      const slots = map.names.map((_, k) => map.representativeSlot(k));
      return new ShardMasters(target, access, access.nodeInfo.options, map.names, slots, map.shards.map((s) => s.master ?? null));
    } catch (e) {
      return { why: `the shards could not be read: ${firstLine(e)}` };
    }
  }

  /** Who reads: "admin user", "audit user monitoring", ... */
  get as(): string {
    return this.access.nodeInfo.options ? this.access.nodeInfo.as : '';
  }

  /** A node as the report names it: our cluster's node name, else its announced address. */
  nodeName(address: string): string {
    return this.target.cluster?.nodeAt(address)?.name ?? address;
  }

  /**
   * `read` on every shard's current master at once, each bounded by `timeoutMs`. A shard whose
   * previous read has not answered is skipped (a frozen master would otherwise pile reads up).
   */
  async readAll<T>(read: (client: Redis, node: string) => Promise<T>, timeoutMs = 1500): Promise<Array<ShardRead<T>>> {
    await this.refresh();
    return Promise.all(
      this.names.map(async (shard, k): Promise<ShardRead<T>> => {
        const address = this.masters[k];
        if (!address) return { shard, node: null, value: null, error: this.refreshError ?? 'the cluster names no master for it' };
        const node = this.nodeName(address);
        if (this.pending[k]) return { shard, node, value: null, error: 'its master had not answered the previous read' };
        this.pending[k] = true;
        try {
          return { shard, node, value: await withTimeout(read(this.client(address), node), timeoutMs, `no answer within ${timeoutMs} ms`), error: null };
        } catch (e) {
          return { shard, node, value: null, error: firstLine(e) };
        } finally {
          this.pending[k] = false;
        }
      }),
    );
  }

  /** `read` on every node read from so far (masters now or earlier in the run), by node name; nodes that do not answer are left out. */
  async readEveryNode<T>(read: (client: Redis, node: string) => Promise<T>, timeoutMs = 3000): Promise<Array<{ node: string; value: T }>> {
    const all = await Promise.all(
      [...this.clients].map(async ([address, c]): Promise<{ node: string; value: T } | null> => {
        const node = this.nodeName(address);
        try {
          return { node, value: await withTimeout(read(c, node), timeoutMs) };
        } catch {
          return null;
        }
      }),
    );
    return all.filter((x): x is { node: string; value: T } => x !== null);
  }

  close(): void {
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
    this.observer?.disconnect();
    this.observer = null;
  }

  /** Who serves each shard's slot now; on no answer, the masters last known (and why, for shards without one). */
  private async refresh(): Promise<void> {
    const seeds = this.access.seeds;
    // At most three seeds a second: a frozen one costs its timeout each.
    for (let tried = 0; tried < Math.min(3, seeds.length); tried++) {
      const seed = seeds[this.seedIndex % seeds.length]!;
      try {
        this.observer ??= this.connect(this.access.observerOptions(seed), 'gauntlet-shard-masters');
        const shards = shardsFromClusterSlots(await withTimeout(this.observer.call('CLUSTER', 'SLOTS'), 1000));
        this.slots.forEach((slot, k) => {
          this.masters[k] = masterServing(shards, slot);
        });
        this.refreshError = null;
        return;
      } catch (e) {
        this.refreshError = `CLUSTER SLOTS on ${seed}: ${firstLine(e)}`;
        this.observer?.disconnect();
        this.observer = null;
        this.seedIndex++;
      }
    }
  }

  private client(address: string): Redis {
    let c = this.clients.get(address);
    if (!c) {
      c = this.connect(this.options(address), 'gauntlet-shard-figures');
      this.clients.set(address, c);
    }
    return c;
  }

  private connect(options: RedisOptions, name: string): Redis {
    // No ready check: it is INFO too, and a refusal would only add a warning per connect.
    const c = new Redis({ ...options, lazyConnect: false, enableReadyCheck: false, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000, connectionName: name });
    c.on('error', () => undefined);
    return c;
  }
}
