import { Redis } from 'ioredis';
import type { Ledger } from '../ledger/ledger.js';
import { verifyLedger, type LedgerReport } from '../ledger/verifyLedger.js';
import { readClusterSlots, ShardMap, type ShardRanges } from '../load/shardMap.js';
import type { ClusterAccess, Target } from '../target/target.js';
import { pollFor, withTimeout } from '../waitUntil.js';

/** The verification pass's outcome: a report, or why none could be made (the run then cannot pass). */
export type LedgerVerification = { report: LedgerReport; error: null } | { report: null; error: string };

/** How long verification waits for a master that answers (a failover in progress, a target coming back). */
export const verifyWaitMs = 60_000;

/**
 * Reads the ledger's keys from the current master: the harness's control connection when we own
 * the topology, an app connection through the sentinels otherwise. Waits (bounded) for a master
 * that answers and retries a pass that broke off; never throws: what it could not do is said.
 */
export async function verifyOnMaster(target: Target, ledger: Ledger, waitMs = verifyWaitMs): Promise<LedgerVerification> {
  let lastError = 'no master answered';
  // One attempt may not hang on a client that retries forever (every sentinel gone): bounded too.
  const attempt = async (): Promise<LedgerReport | undefined> => {
    try {
      // About a millisecond per session is ample (pipelined reads); at least 30 s.
      return await withTimeout(attemptOnce(), Math.max(30_000, ledger.records.size), 'the verification pass did not finish');
    } catch (e) {
      lastError = (e as Error).message;
      return undefined;
    }
  };
  // Only on a server that says it is the master (roleIsNotMaster); else why not, for the next attempt.
  const onMaster = async (client: Redis, what: string): Promise<LedgerReport | undefined> => {
    const notMaster = await roleIsNotMaster(client, what);
    if (notMaster) {
      lastError = notMaster;
      return undefined;
    }
    return await verifyLedger(ledger, client);
  };
  const attemptOnce = async (): Promise<LedgerReport | undefined> => {
    const cluster = target.clusterAccess?.();
    if (cluster) return await verifyOnShards(target, cluster, ledger);
    if (target.topology) {
      const master = await target.topology.currentMaster();
      if (!master) {
        lastError = 'no sentinel names a master';
        return undefined;
      }
      return await onMaster(master.control(), `${master.name}, the master the sentinels name,`);
    }
    const client = new Redis({ ...target.clientOptions(), enableReadyCheck: target.infoAllowed !== false, lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 10_000, connectTimeout: 3000, retryStrategy: () => null, sentinelRetryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await onMaster(client, client.options.sentinels ? 'the master the sentinels name' : "the target's endpoint");
    } finally {
      client.disconnect();
    }
  };
  const done = await pollFor(attempt, waitMs, 1000);
  return done ? { report: done.value, error: null } : { report: null, error: `acknowledged writes not verified: ${lastError} (tried for ${waitMs / 1000} s)` };
}

/**
 * Why the server is not the one to verify on, or null when it replies ROLE master. The sentinels
 * may still name a master they are demoting, or a node that came back as a replica; read there,
 * a replica behind its master shows writes as lost. Where ROLE cannot be asked (a user without
 * it: NOPERM; a proxy or managed endpoint that does not know it), the sentinels' or the
 * endpoint's word is trusted, as ioredis does without its INFO ready check.
 */
export async function roleIsNotMaster(client: Redis, what: string): Promise<string | null> {
  try {
    const role = (await client.call('ROLE')) as unknown[];
    return role[0] === 'master' ? null : `${what} replies ROLE ${String(role[0])}`;
  } catch (e) {
    if (/^NOPERM|unknown command|unsupported/i.test((e as Error).message)) return null;
    throw e;
  }
}

/**
 * A cluster: each key is read on the master that serves its slot now (after healing, after a
 * slot moved): our cluster's masters through the harness's control connections, an external
 * one's through the observer's connection to each master's announced address.
 */
async function verifyOnShards(target: Target, access: ClusterAccess, ledger: Ledger): Promise<LedgerReport> {
  const own = target.cluster;
  let shards: ShardRanges[];
  let clients: Redis[];
  const opened: Redis[] = [];
  if (own) {
    const views = await own.shards();
    const missing = views.find((s) => !s.master);
    if (missing) throw new Error(`${missing.name} has no master`);
    shards = views.map((s) => ({ name: s.name, ranges: s.slots }));
    clients = views.map((s) => s.master!.control());
  } else {
    shards = await readClusterSlots(access);
    clients = shards.map((s) => {
      const c = new Redis({ ...access.observerOptions(s.master!), lazyConnect: false, maxRetriesPerRequest: 2, commandTimeout: 10_000, connectTimeout: 3000, enableReadyCheck: false, retryStrategy: () => null });
      c.on('error', () => undefined);
      opened.push(c);
      return c;
    });
  }
  const map = new ShardMap(shards);
  try {
    return await verifyLedger(ledger, { shards: shards.map((s, k) => ({ name: s.name, client: clients[k]! })), shardOfSlot: (slot) => map.ofSlot(slot) });
  } finally {
    for (const c of opened) c.disconnect();
  }
}
