import { Redis } from 'ioredis';
import type { Target } from '../target/target.js';
import { parseInfo } from '../topology/replicationInfo.js';

/**
 * The master's configured replication backlog (INFO replication `repl_backlog_size`), bytes: a
 * fixed cost of every node that the per-session figures leave out, so the sizing adds it to the
 * base. Null where nobody may read INFO or it does not answer.
 */
export async function replicationBacklogBytes(target: Target): Promise<number | null> {
  const access = target.infoAccess();
  if (access.options === null) return null;
  const client = new Redis({ ...access.options, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, connectTimeout: 3000, commandTimeout: 3000, retryStrategy: () => null, sentinelRetryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return backlogSizeBytes(parseInfo(await client.info('replication')));
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

/** `repl_backlog_size` from INFO replication, bytes; null when absent or not a positive number. */
export function backlogSizeBytes(info: ReadonlyMap<string, string>): number | null {
  const size = Number(info.get('repl_backlog_size') ?? Number.NaN);
  return Number.isFinite(size) && size > 0 ? size : null;
}
