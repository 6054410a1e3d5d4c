import type { ShardMap } from '../load/shardMap.js';
import type { Target } from '../target/target.js';
import { ClusterWatch } from './clusterWatch.js';
import { EndpointWatch } from './endpointWatch.js';
import type { FailoverWatch } from './failoverWatch.js';
import { SentinelWatch } from './sentinelWatch.js';

/** How a run watches its target for failovers: through the sentinels, at a plain endpoint from the client's side, or over a cluster's nodes; null when none applies. */
export function failoverWatchFor(target: Target, shards: ShardMap | null, clock: () => number): FailoverWatch | null {
  const endpoints = target.sentinelEndpoints();
  if (endpoints.length > 0) return new SentinelWatch(target.describe().masterName, endpoints, clock);
  const plain = target.plainEndpoint();
  if (plain) return new EndpointWatch(plain, clock);
  const cluster = target.clusterAccess?.();
  // Our cluster's shards stand for their creation ranges (as `gauntlet status` names them); an external one's for its ranges as the run began.
  const slots = shards?.names.map((_, k) => target.cluster?.representativeSlot(k) ?? shards.representativeSlot(k));
  if (cluster && shards && slots) return new ClusterWatch(cluster, shards, slots, clock);
  return null;
}
