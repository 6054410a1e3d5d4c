import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import { TargetError, UserError } from '../../errors.js';
import { parseDurationMs } from '../../inputValidation.js';
import { AofArchiver } from '../../backup/aofArchiver.js';
import { restoreFromArchive } from '../../backup/restoreFromArchive.js';
import { RestorePlanError } from '../../backup/restorePlan.js';
import { takeRdbSnapshot } from '../../backup/rdbSnapshot.js';
import { untilShutdownSignal } from '../shutdownSignals.js';
import { backupEnvironment, helpAfter } from '../helpText.js';

function duration(flag: string) {
  return (value: string): number => {
    const n = parseDurationMs(value);
    if (n === undefined) throw new InvalidArgumentError(`${flag} must be a duration such as 1s or 1h, got "${value}"`);
    return n;
  };
}

/** Unix seconds or an ISO 8601 time ("2026-11-29T18:00:00Z"). */
function moment(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Math.floor(Date.parse(value) / 1000);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`--at must be unix seconds or an ISO 8601 time, got "${value}"`);
  return n;
}

interface SnapshotOptions {
  redis?: string;
  redisUser: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** The backup user's connection for BGSAVE; its password comes from GAUNTLET_BACKUP_PASSWORD, never a flag. */
function snapshotClient(o: SnapshotOptions): Redis {
  const m = /^(.+):(\d+)$/.exec(o.redis ?? '');
  if (!m) throw new UserError(`--redis must be HOST:PORT, got "${o.redis}"`);
  const password = process.env.GAUNTLET_BACKUP_PASSWORD;
  if (!password) throw new UserError('GAUNTLET_BACKUP_PASSWORD is not set (the password of the backup ACL user)');
  const read = (f: string | undefined): Buffer | undefined => {
    if (!f) return undefined;
    try {
      return readFileSync(f);
    } catch (e) {
      throw new UserError(`cannot read ${f}: ${(e as Error).message}`);
    }
  };
  const tls = o.tlsCa ? { ca: read(o.tlsCa), cert: read(o.tlsCert), key: read(o.tlsKey) } : undefined;
  const c = new Redis({ host: m[1], port: Number(m[2]), username: o.redisUser, password, tls, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
  c.on('error', () => undefined);
  return c;
}

async function snapshot(o: SnapshotOptions): Promise<number> {
  const c = snapshotClient(o);
  try {
    await c.connect().catch((e: Error) => {
      throw new TargetError(`cannot reach ${o.redis} as ${o.redisUser}: ${e.message}`);
    });
    // A BGSAVE the node refuses or fails is the node's problem (exit 4), not a bug of ours.
    return await takeRdbSnapshot(c).catch((e: Error) => {
      throw new TargetError(`snapshot of ${o.redis}: ${e.message}`);
    });
  } finally {
    c.disconnect();
  }
}

interface ArchiveOptions extends SnapshotOptions {
  dataDir: string;
  archive: string;
  staging?: string;
  archiveCmd?: string;
  textfile?: string;
  node: string;
  interval: number;
  snapshotEvery?: number;
  once: boolean;
}

async function archive(o: ArchiveOptions): Promise<number> {
  if (o.snapshotEvery && !o.redis) throw new UserError('--snapshot-every needs --redis HOST:PORT (and GAUNTLET_BACKUP_PASSWORD)');
  const archiver = new AofArchiver({ dataDir: o.dataDir, archiveDir: o.archive, stagingDir: o.staging, archiveCmd: o.archiveCmd, textfile: o.textfile, node: o.node });
  if (o.once) {
    const r = await archiver.syncOnce().catch((e: Error) => {
      throw new UserError(`backup archive: ${e.message}`);
    });
    console.log(`archived ${r.copied.length ? r.copied.join(', ') : 'nothing new'}; complete up to ${new Date(r.syncedAt * 1000).toISOString()}`);
    return 0;
  }
  let nextSnapshot = o.snapshotEvery ? Date.now() : Infinity;
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} gauntlet backup: ${line}\n`);
  archiver.start(o.interval, (e) => log(`archive pass failed: ${e.message}`), async () => {
    if (Date.now() < nextSnapshot) return;
    nextSnapshot = Date.now() + o.snapshotEvery!;
    log(`RDB snapshot taken (LASTSAVE ${await snapshot(o)})`);
  });
  log(`archiving ${o.dataDir} into ${o.archive} every ${o.interval} ms${o.snapshotEvery ? `, RDB snapshot every ${o.snapshotEvery / 1000} s` : ''}`);
  await untilShutdownSignal();
  const last = await archiver.stop();
  log(`stopped; archive complete up to ${new Date(last.syncedAt * 1000).toISOString()}`);
  return 0;
}

async function restore(o: { archive: string; at: number; into: string; json: boolean }): Promise<number> {
  try {
    const r = await restoreFromArchive({ archiveDir: o.archive, at: o.at, into: o.into });
    const at = new Date(r.plan.truncateAt * 1000).toISOString();
    if (o.json) console.log(JSON.stringify({ at, base: r.plan.base.file, baseAt: new Date(r.plan.baseAt * 1000).toISOString(), incrs: r.plan.incrs.map((e) => e.file), coverage: r.plan.coverage, aofDir: r.aofDir }, null, 2));
    else {
      console.log(`restored ${o.into} at ${at}: ${[r.plan.base.file, ...r.plan.incrs.map((e) => e.file)].join(' + ')}, cut at ${r.plan.truncateAt} (covered: ${r.plan.coverage})`);
      console.log(`start a node with dir ${o.into} and appendonly yes to load it (docs/runbook.md, "Restore from backup")`);
    }
    return 0;
  } catch (e) {
    if (e instanceof RestorePlanError || (e as NodeJS.ErrnoException).code === 'ENOENT' || /not empty|redis-check-aof/.test((e as Error).message)) throw new UserError(`backup restore: ${(e as Error).message}`);
    throw e;
  }
}

function snapshotFlags(c: Command): Command {
  return c
    .option('--redis <host:port>', 'the node, for BGSAVE as the backup user (password in GAUNTLET_BACKUP_PASSWORD)')
    .option('--redis-user <name>', 'ACL user for BGSAVE', 'backup')
    .option('--tls-ca <file>', 'CA certificate: connect with TLS')
    .option('--tls-cert <file>', 'client certificate (mutual TLS)')
    .option('--tls-key <file>', 'client key (mutual TLS)');
}

/** `gauntlet backup archive|snapshot|restore` (docs/runbook.md, "Restore from backup, point-in-time restore"). */
export function backupCommand(): Command {
  const backup = new Command('backup')
    .description('off-host AOF archive with point-in-time restore, and scheduled RDB snapshots')
    .addHelpText(
      'after',
      helpAfter({
        examples: ['gauntlet backup archive --help', 'gauntlet backup snapshot --help', 'gauntlet backup restore --help'],
        exitCodes: [[0], [3, 'usage error, a refused restore or a broken archive'], [4, 'snapshot: the node cannot be reached or refuses BGSAVE'], [70]],
        environment: backupEnvironment,
      }),
    );
  snapshotFlags(
    backup
      .command('archive')
      .description('copy every AOF file (base, incr, manifest) and each new RDB snapshot of a node into an archive, before a rewrite can delete them')
      .requiredOption('--data-dir <dir>', "the node's dir (holds appendonlydir)")
      .requiredOption('--archive <dir>', 'archive directory of this node')
      .option('--staging <dir>', 'hard-link staging directory, on the data dir\'s filesystem', undefined)
      .option('--archive-cmd <command>', 'run after each file lands in the archive (sh -c; FILE and NAME in the environment), e.g. an S3 upload')
      .option('--textfile <file>', 'node_exporter textfile to write gauntlet_backup_* metrics to')
      .option('--node <name>', 'node label of the metrics', 'redis')
      .option('--interval <d>', 'time between passes', duration('--interval'), 1000)
      .option('--snapshot-every <d>', 'BGSAVE on this schedule (needs --redis)', duration('--snapshot-every'))
      .option('--once', 'one pass, then exit (cron, tests)', false)
      .addHelpText(
        'after',
        helpAfter({
          examples: [
            'gauntlet backup archive --data-dir /var/lib/redis --archive /mnt/backup/redis-0 --textfile /var/lib/node_exporter/backup.prom',
            'gauntlet backup archive --data-dir /data --archive /backup --snapshot-every 1h --redis 127.0.0.1:6379   # GAUNTLET_BACKUP_PASSWORD set',
            "gauntlet backup archive --data-dir /data --archive /backup --archive-cmd 'aws s3 cp \"$FILE\" s3://bucket/redis-0/$NAME'",
          ],
          exitCodes: [[0, 'stopped by Ctrl-C or SIGTERM (a failed pass is logged and retried), or --once done'], [3, 'usage error; --once: the pass failed'], [70]],
          environment: backupEnvironment,
        }),
      ),
  ).action(async (o: ArchiveOptions) => {
    process.exitCode = await archive(o);
  });
  snapshotFlags(backup.command('snapshot').description('take an RDB snapshot now (BGSAVE as the backup user); the archiver copies it'))
    .addHelpText(
      'after',
      helpAfter({
        examples: ['gauntlet backup snapshot --redis 127.0.0.1:6379                 # password in GAUNTLET_BACKUP_PASSWORD', 'gauntlet backup snapshot --redis redis-0:6379 --tls-ca ca.pem'],
        exitCodes: [[0, 'the snapshot is on disk (LASTSAVE moved)'], [3, 'bad --redis, GAUNTLET_BACKUP_PASSWORD not set, an unreadable certificate file'], [4, 'the node cannot be reached, refuses the backup user, or BGSAVE failed'], [70]],
        environment: backupEnvironment,
      }),
    )
    .action(async (o: SnapshotOptions) => {
    console.log(`RDB snapshot taken (LASTSAVE ${await snapshot(o)})`);
    process.exitCode = 0;
  });
  backup
    .command('restore')
    .description("rebuild a node's appendonlydir at a chosen second from the archive, across AOF rewrites")
    .requiredOption('--archive <dir>', 'archive directory of the node')
    .requiredOption('--at <time>', 'unix seconds or ISO 8601: keep every write up to this second', moment)
    .requiredOption('--into <dir>', "new node dir (gets appendonlydir); must not hold an AOF")
    .option('--json', 'print the plan as JSON', false)
    .addHelpText(
      'after',
      helpAfter({
        examples: ['gauntlet backup restore --archive /mnt/backup/redis-0 --at 2026-11-29T18:00:00Z --into /var/lib/redis-restored', 'gauntlet backup restore --archive /backup --at 1795975200 --into /tmp/restored --json'],
        exitCodes: [[0, 'restored: start a node on --into'], [3, 'a refused restore (the archive cannot reach --at, --into holds an AOF) or a broken archive'], [70]],
      }),
    )
    .action(async (o: { archive: string; at: number; into: string; json: boolean }) => {
      process.exitCode = await restore(o);
    });
  return backup;
}
