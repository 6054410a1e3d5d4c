import { z } from 'zod';

/**
 * The sizing table: sessions -> Redis memory -> maxmemory -> instance memory, from the memory per
 * concurrent session the sweep measured. Instance sizes and prices are the user's (a sizing
 * file): gauntlet does not guess what a provider sells or charges. Pure arithmetic, unit-tested.
 */

const instance = z
  .object({
    name: z.string().min(1),
    /** Memory of the node as the provider states it, GiB. */
    memoryGiB: z.number().positive(),
    /** Any currency, per node-hour; optional. */
    pricePerHour: z.number().nonnegative().optional(),
  })
  .strict();

export const sizingInputSchema = z
  .object({
    /** Concurrent sessions to size for; default: the scenario's peak and the sessions at the measured capacity. */
    sessions: z.array(z.number().int().positive()).min(1).optional(),
    /** Share of maxmemory kept free above the data (growth, fragmentation, bursts), percent. */
    headroomPct: z.number().min(0).max(90).default(25),
    /** Memory a self-managed node needs beyond maxmemory for a fork (BGSAVE, AOF rewrite) under writes, percent of maxmemory. */
    selfManagedForkReservePct: z.number().min(0).max(200).default(100),
    /** ElastiCache's reserved-memory-percent (25 by default on current parameter groups). */
    elasticacheReservedPct: z.number().min(0).max(90).default(25),
    instances: z
      .object({ selfManaged: z.array(instance).default([]), elasticache: z.array(instance).default([]) })
      .strict()
      .default({ selfManaged: [], elasticache: [] }),
  })
  .strict();

export type SizingInput = z.output<typeof sizingInputSchema>;
export type InstanceSize = z.output<typeof instance>;

export const defaultSizingInput: SizingInput = sizingInputSchema.parse({});

const GiB = 2 ** 30;
/** Hours in an average month (8,760 / 12), for monthly prices. */
export const hoursPerMonth = 730;

export interface InstanceChoice {
  name: string;
  memoryGiB: number;
  pricePerHour: number | null;
  pricePerMonth: number | null;
}

export interface SizingRow {
  sessions: number;
  /** Session operations per second these sessions offer (the scenario's per-session rate). */
  opsPerSecond: number;
  /** Whether that rate is at or under the measured capacity (null: no capacity measured). */
  withinCapacity: boolean | null;
  redisBytes: number;
  maxmemoryBytes: number;
  selfManaged: { nodeBytes: number; instance: InstanceChoice | null };
  elasticache: { nodeBytes: number; instance: InstanceChoice | null };
}

export interface SizingFigures {
  /** Measured memory per concurrent session, bytes (null: not measured). */
  bytesPerSession: number | null;
  /** The store's own memory without sessions: used_memory before the sweep's sessions plus the replication backlog, bytes. */
  baseBytes: number;
  ratePerSession: number;
  /** The last rate within budget (null: none). */
  capacityRate: number | null;
}

/** The smallest given size with at least `bytes` of memory (ties: the cheaper); null when none is large enough. */
export function smallestFitting(sizes: readonly InstanceSize[], bytes: number): InstanceChoice | null {
  const fit = sizes.filter((s) => s.memoryGiB * GiB >= bytes).sort((a, b) => a.memoryGiB - b.memoryGiB || (a.pricePerHour ?? 0) - (b.pricePerHour ?? 0))[0];
  if (!fit) return null;
  const price = fit.pricePerHour ?? null;
  return { name: fit.name, memoryGiB: fit.memoryGiB, pricePerHour: price, pricePerMonth: price === null ? null : price * hoursPerMonth };
}

/**
 * One row per session count: Redis memory = base + sessions × bytes per session; maxmemory =
 * that ÷ (1 − headroom); a self-managed node = maxmemory × (1 + fork reserve); an ElastiCache
 * node = maxmemory ÷ (1 − reserved-memory-percent), since ElastiCache sets maxmemory to the
 * node's memory less that share. Empty when memory per session was not measured.
 */
export function sizingTable(f: SizingFigures, input: SizingInput, sessions: readonly number[]): SizingRow[] {
  if (f.bytesPerSession === null) return [];
  return sessions.map((n) => {
    const redisBytes = f.baseBytes + n * f.bytesPerSession!;
    const maxmemoryBytes = redisBytes / (1 - input.headroomPct / 100);
    const selfBytes = maxmemoryBytes * (1 + input.selfManagedForkReservePct / 100);
    const elastiBytes = maxmemoryBytes / (1 - input.elasticacheReservedPct / 100);
    const ops = n * f.ratePerSession;
    return {
      sessions: n,
      opsPerSecond: ops,
      // Half a session's rate of slack: the sessions at the capacity are rounded to whole ones.
      withinCapacity: f.capacityRate === null ? null : ops <= f.capacityRate + f.ratePerSession / 2,
      redisBytes,
      maxmemoryBytes,
      selfManaged: { nodeBytes: selfBytes, instance: smallestFitting(input.instances.selfManaged, selfBytes) },
      elasticache: { nodeBytes: elastiBytes, instance: smallestFitting(input.instances.elasticache, elastiBytes) },
    };
  });
}

/** The median of the measured per-session figures (robust to a step whose few sessions made allocator steps loom large); null when none. */
export function medianBytesPerSession(perStep: ReadonlyArray<{ bytesPerSession: number | null; sessions: number }>): number | null {
  const measured = perStep.filter((s) => s.bytesPerSession !== null && s.bytesPerSession > 0);
  // Steps of at least 1,000 sessions when there are any: below that, allocator steps and the warm-up's keys weigh in.
  const big = measured.filter((s) => s.sessions >= 1000);
  const xs = (big.length ? big : measured).map((s) => s.bytesPerSession!).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}
