import type { ChainableCommander, Cluster } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { NoReplicaError, type SessionCommander, type SessionCommands } from './sessionOperations.js';

/** A pipeline that also queues the session scripts. */
type SessionQueue = ChainableCommander & { [K in keyof SessionCommands]: (...args: Parameters<SessionCommands[K]>) => ChainableCommander };

/** A write refused before it ran because its slot is elsewhere or moving: safe to send again. */
const redirected = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;
const redirectRetries = 3;

/**
 * Durable writes on a Cluster. WAIT confirms the writes sent before it on the same connection, so
 * it must reach the master the write went to; an ioredis Cluster sends a keyless WAIT to a random
 * node. Each write is therefore one pipeline, the write then WAIT 1 <ms>, which ioredis routes by
 * the write's key. A write refused with a redirection (a failover, a slot moving) never ran and is
 * sent again after ioredis refreshes its slots (a pipeline with a write in it is not redirected by
 * ioredis itself); a write no replica confirmed in time is not acknowledged (NOREPLICAS).
 */
export function durableClusterCommander(cluster: Cluster & SessionCommands, waitMs: number): SessionCommander {
  const confirmed = async <T>(queue: (q: SessionQueue) => unknown): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const p = cluster.pipeline() as SessionQueue;
      queue(p);
      p.wait(1, waitMs);
      const [[writeError, result], [waitError, replicas]] = ((await p.exec()) ?? []) as [[Error | null, unknown], [Error | null, unknown]];
      if (writeError) {
        if (!redirected.test(writeError.message) || attempt >= redirectRetries) throw writeError;
        cluster.refreshSlotsCache();
        await sleep(100 * (attempt + 1));
        continue;
      }
      if (waitError) throw waitError;
      if (Number(replicas) < 1) throw new NoReplicaError(waitMs);
      return result as T;
    }
  };
  return {
    gauntletLogin: (...a) => confirmed((q) => q.gauntletLogin(...a)),
    gauntletTouch: (...a) => confirmed((q) => q.gauntletTouch(...a)),
    gauntletLogout: (...a) => confirmed((q) => q.gauntletLogout(...a)),
    gauntletRotate: (...a) => confirmed((q) => q.gauntletRotate(...a)),
    gauntletRevokeAll: (...a) => confirmed((q) => q.gauntletRevokeAll(...a)),
    set: (key, value, ex, seconds, nx) => confirmed((q) => q.set(key, value, ex, seconds, nx)),
    getdel: (key) => confirmed((q) => q.getdel(key)),
  };
}
