/** Something an observer saw on the way to a failover: a sentinel event, an endpoint's role, address or replication id changing, or a cluster node's flags. */
export interface WatchEvent {
  t: string;
  /** ms since run start */
  atMs: number;
  /** Who saw it: a sentinel, or the endpoint watched. */
  sentinel: string;
  event: string;
  detail: string;
}

/** A change of master: named by the sentinels, or seen from the client's side at a plain endpoint. */
export interface MasterChange {
  atMs: number;
  from: string | null;
  to: string;
  seenBy: 'event' | 'poll';
  /** On a cluster: which shard changed master (its index); absent elsewhere. */
  shard?: number;
}

/**
 * Watches a target for failovers whoever causes them (a chaos step, a person, a provider's test
 * failover): SentinelWatch through the sentinels, EndpointWatch at a plain endpoint, ClusterWatch
 * on a Redis Cluster. The FailoverTracker and the chaos runner read only this.
 */
export interface FailoverWatch {
  readonly events: readonly WatchEvent[];
  readonly changes: readonly MasterChange[];
  /** Resolves with how many sources are watched (sentinels subscribed, or 1 for a reachable endpoint). */
  start(): Promise<number>;
  stop(): void;
}
