import { z } from 'zod';
import type { StartedCluster } from '../../topology/startedCluster.js';

/** Which shard a cluster fault acts on: its index in `gauntlet status` (shard-0 holds the lowest slots). */
export const shardAttribute = { shard: z.number().int().nonnegative().default(0) };

/** Why a fault on shard `shard` cannot run on `t`: no such shard, or (for a failover) no replica to promote. */
export function shardPrecondition(t: StartedCluster, shard: number, needsReplica: boolean): string | null {
  if (shard >= t.cluster.shards) return `the cluster has ${t.cluster.shards} shards (0-${t.cluster.shards - 1}); the experiment names shard ${shard}`;
  if (needsReplica && t.cluster.replicasPerShard < 1) return 'the cluster has no replicas (--replicas-per-shard 0): nothing can be promoted';
  if (needsReplica && t.cluster.shards < 3) return `a failover needs a majority of masters to agree; with ${t.cluster.shards} shards losing one leaves no majority (use --shards 3 or more)`;
  return null;
}
