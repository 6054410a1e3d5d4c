import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../../ledger/ledger.js';
import { verifyLedger, type LedgerReport } from '../../ledger/verifyLedger.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { restoreInto, takeBackup, truncateToTimestamp, waitAofWritten, type Backup } from '../backupDrill.js';
import { defineFault, requireMaster, type DrillReport, type Fault, type FaultContext } from './fault.js';

/** Acknowledgements of writes executed before a pause reach the generator within this time. */
const ackSettleMs = 500;

/** Restores `backup` into a fresh node and checks it against the ledger of the backup's moment. */
async function restoreAndVerify(name: string, detail: string, backup: Backup, expected: Ledger, t: StartedTopology, ctx: FaultContext): Promise<DrillReport> {
  const restored = await restoreInto(backup, t, join(ctx.workDir, `${name}-restore`));
  try {
    // The restore is compared with the ledger of its moment; what the app saw later does not count.
    const r: LedgerReport = await verifyLedger(expected, restored.client, { liveEvidence: false });
    const { keysChecked, lost, resurrected, expired, unverifiable, examples } = r;
    return { name, detail, verification: { keysChecked, lost, resurrected, expired, indeterminate: unverifiable, examples }, error: null };
  } finally {
    await restored.stop();
  }
}

/**
 * The backup-and-restore drill (docs/runbook.md, "Restore from backup"): a backup taken under
 * load, the ledger copied inside the backup's write pause; after the run the live data is
 * destroyed (FLUSHALL), the backup is restored into a fresh node and must hold exactly what
 * the ledger had acknowledged when it was taken.
 */
export class BackupRestore implements Fault {
  readonly kind = 'backup-restore';
  private backup: Backup | null = null;
  private atBackup: Ledger | null = null;
  describe(): string {
    return 'back up the master under load (BGSAVE + AOF copy under a write pause); after the run destroy the data, restore into a fresh node, verify with the ledger';
  }
  async inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    const m = await requireMaster(t);
    strike();
    this.backup = await takeBackup(t, join(ctx.workDir, 'backup'), {
      onPaused: async () => {
        await sleep(ackSettleMs);
        this.atBackup = ctx.ledger.snapshot();
      },
    });
    return `backed up ${m.name} under load: ${this.backup.files.join(', ')}; ${this.atBackup?.records.size ?? 0} sessions acknowledged at that moment`;
  }
  async heal(): Promise<void> {}
  async drill(t: StartedTopology, ctx: FaultContext): Promise<DrillReport> {
    if (!this.backup || !this.atBackup) return { name: this.kind, detail: '', verification: null, error: 'no backup was taken (the step did not run)' };
    const m = await requireMaster(t);
    // The disaster: the data is gone; the restore must stand on the backup alone.
    await m.control().flushall();
    return restoreAndVerify(this.kind, `backup of ${this.backup.takenAt} restored into a fresh node after FLUSHALL on ${m.name}`, this.backup, this.atBackup, t, ctx);
  }
}

/**
 * The point-in-time restore drill (docs/runbook.md, "Point-in-time restore"): at the step the
 * writes are paused across a second boundary, so the AOF's one-second timestamps (Redis 7
 * aof-timestamp-enabled) separate "before" from "after" exactly, and the ledger is copied. After
 * the run an accident destroys everything (FLUSHALL); the AOF is copied, cut at the chosen second
 * with redis-check-aof --truncate-to-timestamp, restored into a fresh node, and must hold exactly
 * what was acknowledged by that moment.
 */
export class PointInTimeRestore implements Fault {
  readonly kind = 'point-in-time-restore';
  private point = 0;
  private node = '';
  private atPoint: Ledger | null = null;
  describe(): string {
    return 'choose a moment under load (writes paused across a second boundary); after the run destroy the data, cut the AOF at that second, restore, verify with the ledger of that moment';
  }
  async inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    const m = await requireMaster(t);
    const c = m.control();
    await c.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    strike();
    try {
      await waitAofWritten(c);
      const point = Math.floor(Date.now() / 1000);
      // Writes after the unpause must carry a later AOF timestamp than `point`; the server's
      // cached clock may lag the wall clock by a cron tick, hence the margin.
      await sleep(Math.max(ackSettleMs, (point + 1) * 1000 + 300 - Date.now()));
      this.atPoint = ctx.ledger.snapshot();
      this.point = point;
      this.node = m.name;
    } finally {
      await c.call('CLIENT', 'UNPAUSE');
    }
    return `chose ${new Date(this.point * 1000).toISOString()} on ${m.name}; ${this.atPoint?.records.size ?? 0} sessions acknowledged by then`;
  }
  async heal(): Promise<void> {}
  async drill(t: StartedTopology, ctx: FaultContext): Promise<DrillReport> {
    if (!this.atPoint) return { name: this.kind, detail: '', verification: null, error: 'no moment was chosen (the step did not run)' };
    const m = await requireMaster(t);
    if (m.name !== this.node) return { name: this.kind, detail: '', verification: null, error: `the master changed from ${this.node} to ${m.name} after the chosen moment; its AOF does not hold that history` };
    // The accident a point-in-time restore undoes.
    await m.control().flushall();
    const backup = await takeBackup(t, join(ctx.workDir, 'pitr-backup'));
    await truncateToTimestamp(backup, this.point);
    return restoreAndVerify(this.kind, `AOF of ${m.name} cut at ${new Date(this.point * 1000).toISOString()} (after a FLUSHALL) and restored into a fresh node`, backup, this.atPoint, t, ctx);
  }
}

// Both pause writes (CLIENT PAUSE) at their step: the app feels it, so their strike opens a window.
export const backupRestore = defineFault({ kind: 'backup-restore', attributes: {}, hitsDataPath: true, usesAppLinks: false, create: () => new BackupRestore() });
export const pointInTimeRestore = defineFault({ kind: 'point-in-time-restore', attributes: {}, hitsDataPath: true, usesAppLinks: false, create: () => new PointInTimeRestore() });
