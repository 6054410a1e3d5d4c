import { Cluster, type ClusterOptions } from 'ioredis';
import type { ClusterClientSpec } from '../topology/startedCluster.js';
import type { Scenario } from './scenario.js';
import { asSessionClient, type SessionClient } from './session/sessionOperations.js';

/**
 * The ioredis Cluster settings of one auth-service instance (docs/client-settings.md says why each):
 * - every read and write to the master of its slot (`scaleReads: 'master'`): a session read
 *   right after its login must see it; replicas lag;
 * - natMap: the nodes announce addresses the app cannot use as such (proxies here, private
 *   addresses behind NAT elsewhere);
 * - a command whose master dies is retried every `retryDelayOnFailover` ms against the refreshed
 *   slot map, at most `maxRedirections` times (16 x 200 ms: about 3 s), then fails: it neither
 *   hangs through a failover of cluster-node-timeout plus election nor fails at the first refusal;
 * - `clusterRetryStrategy`: when no node answers at all, keep trying every second at most;
 * - per node, the same bounded command timeout, retries and auto-pipelining as a Sentinel client.
 */
export function clusterAppClientOptions(spec: ClusterClientSpec, c: Scenario['clients'], instance: number, infoAllowed: boolean | null): ClusterOptions {
  return {
    ...spec.options,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    retryDelayOnMoved: 0,
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 1000),
    slotsRefreshTimeout: 2000,
    enableOfflineQueue: true,
    enableAutoPipelining: c.autoPipelining,
    // The ready check sends CLUSTER INFO, which the reference app user may run.
    enableReadyCheck: infoAllowed !== false,
    lazyConnect: true,
    redisOptions: {
      ...spec.options.redisOptions,
      connectionName: `gauntlet-app-${instance}`,
      commandTimeout: c.commandTimeoutMs,
      maxRetriesPerRequest: c.maxRetriesPerRequest,
      connectTimeout: 2000,
    },
  };
}

/** One connected Cluster client per app instance, with the session scripts. */
export async function createClusterAppClients(spec: ClusterClientSpec, c: Scenario['clients'], infoAllowed: boolean | null): Promise<SessionClient[]> {
  const clients = Array.from({ length: c.instances }, (_, i) => asSessionClient(new Cluster(spec.startupNodes, clusterAppClientOptions(spec, c, i, infoAllowed))));
  // Errors reach the operations that hit them.
  for (const client of clients) client.on('error', () => undefined);
  await Promise.all(clients.map((cl) => cl.connect()));
  return clients;
}
