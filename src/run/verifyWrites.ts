import { Redis } from 'ioredis';
import type { Ledger } from '../ledger/ledger.js';
import { verifyLedger, type LedgerReport } from '../ledger/verifyLedger.js';
import type { Target } from '../target/target.js';
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
  const attemptOnce = async (): Promise<LedgerReport | undefined> => {
    if (target.topology) {
      const master = await target.topology.currentMaster();
      if (!master) {
        lastError = 'no sentinel names a master';
        return undefined;
      }
      return await verifyLedger(ledger, master.control());
    }
    const client = new Redis({ ...target.clientOptions(), enableReadyCheck: target.infoAllowed !== false, lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 10_000, connectTimeout: 3000, retryStrategy: () => null, sentinelRetryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await verifyLedger(ledger, client);
    } finally {
      client.disconnect();
    }
  };
  const done = await pollFor(attempt, waitMs, 1000);
  return done ? { report: done.value, error: null } : { report: null, error: `acknowledged writes not verified: ${lastError} (tried for ${waitMs / 1000} s)` };
}
