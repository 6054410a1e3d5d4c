import { Cluster } from 'ioredis';
import { durableClusterCommander } from './clusterDurableWrites.js';
import type { SessionClient, SessionStore } from './sessionOperations.js';

/** Where one app client's sessions write: async, durable (WAIT after each write), or durable on a Cluster (the write and WAIT pipelined to its master). */
export function sessionStore(client: SessionClient, durableWaitMs: number | null): SessionStore {
  if (client instanceof Cluster) return durableWaitMs === null ? { client, waitMs: null } : { client: durableClusterCommander(client, durableWaitMs), waitMs: null };
  const link = { closes: 0 };
  client.on('close', () => link.closes++);
  return durableWaitMs === null ? { client, waitMs: null, link } : { client, waitMs: durableWaitMs, link };
}
