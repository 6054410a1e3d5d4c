import { Redis, type RedisOptions } from 'ioredis';
import type { Target } from '../target/target.js';
import type { Scenario } from './scenario.js';
import { asSessionClient, type SessionClient } from './sessionOperations.js';

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
    failoverDetector: true,
    reconnectOnError: (err: Error) => (err.message.startsWith('READONLY') ? 2 : false),
    retryStrategy: (times: number) => Math.min(50 * times, 500),
    sentinelRetryStrategy: (times: number) => Math.min(100 * times, 1000),
  };
}

export async function createAppClients(target: Target, c: Scenario['clients']): Promise<SessionClient[]> {
  const clients = Array.from({ length: c.instances }, (_, i) => {
    const client = new Redis({ ...appClientOptions(target, c, i), lazyConnect: true });
    // Errors reach the operations that hit them; connection-level noise is counted there.
    client.on('error', () => undefined);
    return asSessionClient(client);
  });
  await Promise.all(clients.map((cl) => cl.connect()));
  return clients;
}

export async function closeAppClients(clients: readonly Redis[]): Promise<void> {
  // quit() flushes politely; disconnect() then also closes the failover detector's sentinel
  // subscriptions, which quit() leaves reconnecting.
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
  for (const c of clients) c.disconnect();
}
