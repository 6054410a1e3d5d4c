import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { Target } from '../target/target.js';
import { createClusterAppClients } from './clusterAppClients.js';
import type { Scenario } from './scenario.js';
import { asSessionClient, type SessionClient } from './session/sessionOperations.js';

/**
 * The ioredis settings of one auth-service instance (docs/client-settings.md says why each):
 * - through sentinels with failoverDetector: a +switch-master moves the client at once instead
 *   of waiting for its socket to die;
 * - READONLY (a demoted master) forces a reconnect and a resend, so the client re-asks sentinels;
 * - bounded retries (maxRetriesPerRequest) and a command timeout: no request waits forever;
 * - offline-queue policy: commands issued while reconnecting are queued (a failover is a few
 *   seconds) but each still fails after commandTimeout, so the queue cannot grow unbounded in time;
 * - auto-pipelining batches commands issued in the same tick into one write per connection.
 */
export function appClientOptions(target: Target, c: Scenario['clients'], instance: number): RedisOptions {
  return {
    ...target.clientOptions(),
    connectionName: `gauntlet-app-${instance}`,
    enableAutoPipelining: c.autoPipelining,
    commandTimeout: c.commandTimeoutMs,
    maxRetriesPerRequest: c.maxRetriesPerRequest,
    enableOfflineQueue: true,
    connectTimeout: 2000,
    // ioredis's ready check sends INFO; a least-privilege app user may not run it (NOPERM, and a warning per connect).
    enableReadyCheck: target.infoAllowed !== false,
    failoverDetector: true,
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
    retryStrategy: (times: number) => Math.min(50 * times, 500),
    sentinelRetryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
}

/** An app client that ioredis ended although nobody closed it. */
export interface ClientEnd {
  client: number;
  /** The last error the client emitted before it ended ("Connection is closed." for the race below). */
  lastError: string | null;
  /** Whether the client is being connected again (scenario `clients.reconnectOnEnd`). */
  reconnecting: boolean;
}

/** Delay before connecting an ended client again: long enough not to spin, short against a failover. */
const reconnectAfterEndMs = 100;

/** An app client: one ioredis client (through sentinels or at an endpoint) or, on a Cluster target, a Cluster client. */
export type AppClient = Redis | Cluster;

const closing = new WeakSet<AppClient>();

/**
 * Creates and connects the app clients. After the first connect each client is watched for 'end':
 * ioredis 6.0.0 ends a sentinel client for good when its failover detector sees +switch-master
 * while a reconnect is still asking a sentinel for the master (SentinelConnector.connect rejects
 * with "Connection is closed." and the client's status becomes 'end'). With
 * `clients.reconnectOnEnd` the client is connected again, as the auth service must do; either
 * way `onEnd` reports it.
 */
export async function createAppClients(target: Target, c: Scenario['clients'], onEnd?: (e: ClientEnd) => void): Promise<SessionClient[]> {
  const cluster = target.clusterAccess?.();
  if (cluster) return createClusterAppClients(cluster.client, c, target.infoAllowed);
  const clients = Array.from({ length: c.instances }, (_, i) => {
    const client = new Redis({ ...appClientOptions(target, c, i), lazyConnect: true });
    return asSessionClient(client);
  });
  const lastErrors: Array<string | null> = clients.map(() => null);
  clients.forEach((client, i) =>
    // Errors reach the operations that hit them; connection-level noise is counted there.
    client.on('error', (e: Error) => (lastErrors[i] = e.message)),
  );
  await Promise.all(clients.map((cl) => cl.connect()));
  clients.forEach((client, i) =>
    client.on('end', () => {
      if (closing.has(client)) return;
      onEnd?.({ client: i, lastError: lastErrors[i] ?? null, reconnecting: c.reconnectOnEnd });
      if (!c.reconnectOnEnd) return;
      setTimeout(() => {
        // A failed connect ends the client again, which lands here again: bounded by the run's end.
        if (!closing.has(client) && client.status === 'end') client.connect().catch(() => undefined);
      }, reconnectAfterEndMs).unref();
    }),
  );
  return clients;
}

export async function closeAppClients(clients: readonly AppClient[]): Promise<void> {
  for (const c of clients) closing.add(c);
  // quit() flushes politely; disconnect() then also closes the failover detector's sentinel
  // subscriptions, which quit() leaves reconnecting.
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
  for (const c of clients) c.disconnect();
}
