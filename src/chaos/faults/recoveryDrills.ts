import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger } from '../../ledger/ledger.js';
import { verifyLedger, type LedgerReport } from '../../ledger/verifyLedger.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { AofArchiver } from '../../backup/aofArchiver.js';
import { restoreFromArchive } from '../../backup/restoreFromArchive.js';
import { forceAofRewrite, restoreInto, takeBackup, waitAofWritten, type Backup } from '../backupDrill.js';
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
 * The point-in-time restore drill (docs/runbook.md, "Point-in-time restore"): an archiver copies
 * the master's AOF files off the node from the step on (src/backup); at the step the writes are
 * paused across a second boundary, so the AOF's one-second timestamps separate "before" from
 * "after" exactly, and the ledger is copied; then BGREWRITEAOF replaces the node's base and incr
 * files, so the chosen moment is no longer on the node. After the run an accident destroys
 * everything (FLUSHALL); the restore tool rebuilds the AOF at the chosen second from the archive,
 * across the rewrite, into a fresh node, which must hold exactly what was acknowledged by then.
 */
export class PointInTimeRestore implements Fault {
  readonly kind = 'point-in-time-restore';
  private point = 0;
  private node = '';
  private atPoint: Ledger | null = null;
  private archiver: AofArchiver | null = null;
  private rewrite = '';
  describe(): string {
    return 'archive the master\'s AOF off the node, choose a moment under load (writes paused across a second boundary), force an AOF rewrite after it; after the run destroy the data, restore that second from the archive, verify with the ledger of that moment';
  }
  async inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string> {
    const m = await requireMaster(t);
    const c = m.control();
    this.archiver = new AofArchiver({ dataDir: m.record.dataDir, archiveDir: join(ctx.workDir, 'pitr-archive'), node: m.name });
    await this.archiver.syncOnce();
    this.archiver.start(250, () => undefined);
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
    // Later writes land in the old incr file first; then the rewrite removes the moment from the node.
    await sleep(1000);
    this.rewrite = await forceAofRewrite(c);
    return `chose ${new Date(this.point * 1000).toISOString()} on ${m.name}; ${this.atPoint?.records.size ?? 0} sessions acknowledged by then; then ${this.rewrite}`;
  }
  async heal(): Promise<void> {}
  async drill(t: StartedTopology, ctx: FaultContext): Promise<DrillReport> {
    const archiver = this.archiver;
    this.archiver = null;
    const last = archiver ? await archiver.stop() : null;
    if (!this.atPoint || !last) return { name: this.kind, detail: '', verification: null, error: 'no moment was chosen (the step did not run)' };
    const m = await requireMaster(t);
    if (m.name !== this.node) return { name: this.kind, detail: '', verification: null, error: `the master changed from ${this.node} to ${m.name} after the chosen moment; the archive follows ${this.node}` };
    // The accident a point-in-time restore undoes.
    await m.control().flushall();
    const into = join(ctx.workDir, 'pitr-restored');
    const r = await restoreFromArchive({ archiveDir: join(ctx.workDir, 'pitr-archive'), at: this.point, into });
    await cp(join(m.record.dataDir, 'users.acl'), join(into, 'users.acl'));
    const files = [r.plan.base.file, ...r.plan.incrs.map((e) => e.file)];
    return restoreAndVerify(this.kind, `${this.rewrite}; restored ${new Date(this.point * 1000).toISOString()} from the archive of ${m.name} (${files.join(' + ')}, cut at that second) after a FLUSHALL, into a fresh node`, { dir: into, takenAt: new Date(this.point * 1000).toISOString(), files }, this.atPoint, t, ctx);
  }
}

// Both pause writes (CLIENT PAUSE) at their step: the app feels it, so their strike opens a window.
export const backupRestore = defineFault({ kind: 'backup-restore', attributes: {}, hitsDataPath: true, usesAppLinks: false, create: () => new BackupRestore() });
export const pointInTimeRestore = defineFault({ kind: 'point-in-time-restore', attributes: {}, hitsDataPath: true, usesAppLinks: false, create: () => new PointInTimeRestore() });
