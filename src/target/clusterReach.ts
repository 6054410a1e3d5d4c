import type { RedisOptions } from 'ioredis';
import { hostPort } from '../topology/runningTopology.js';

/**
 * Where an observer connects for a node of a cluster, by the address the cluster announces for
 * it (or a seed's): as data, not a function, so a load worker thread receives it as it is and
 * reaches the same nodes as the run's own thread.
 */
export interface ClusterReach {
  /** Addresses known before the run (announced ones, seeds) and where each is reached. */
  byAddress: Record<string, { host: string; port: number }>;
  /** Where any other address is reached; null: at that address itself. */
  otherwise: { host: string; port: number } | null;
}

export function reachOf(r: ClusterReach, address: string): { host: string; port: number } {
  return r.byAddress[address] ?? r.otherwise ?? hostPort(address);
}

/** An observer's connection to the node at `address`, logged in with `auth` (user, password, TLS). */
export function optionsAt(r: ClusterReach, auth: RedisOptions, address: string): RedisOptions {
  return { ...auth, ...reachOf(r, address) };
}

/**
 * ioredis Cluster's dnsLookup for TLS targets: the certificate names the host the client asked
 * for, so the name is kept rather than resolved to an address. One named function, so a worker
 * thread's setup can say "this one" as data (functions do not cross threads).
 */
export function keepHostName(address: string, callback: (err: Error | null, address: string) => void): void {
  callback(null, address);
}
