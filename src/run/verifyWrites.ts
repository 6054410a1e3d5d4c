import { Redis } from 'ioredis';
import { TargetError } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { verifyLedger, type LedgerReport } from '../ledger/verifyLedger.js';
import type { Target } from '../target/target.js';

/** Reads the ledger's keys from the current master: the harness's control connection when we own the topology. */
export async function verifyOnMaster(target: Target, ledger: Ledger): Promise<LedgerReport> {
  if (target.topology) {
    const master = await target.topology.currentMaster();
    if (!master) throw new TargetError('cannot verify acknowledged writes: no master after healing');
    return verifyLedger(ledger, master.control());
  }
  const client = new Redis({ ...target.clientOptions(), maxRetriesPerRequest: 2, commandTimeout: 10_000 });
  client.on('error', () => undefined);
  try {
    return await verifyLedger(ledger, client);
  } finally {
    client.disconnect();
  }
}
