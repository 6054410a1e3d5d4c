import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { parseInfo } from '../topology/replicationInfo.js';
import { findBinaries } from '../topology/prerequisites.js';
import { freePort } from '../topology/freePort.js';
import { directClient } from '../topology/redisProcess.js';
import { stopProcess } from '../topology/processControl.js';
import { renderTlsBlock, tlsBlockOf } from '../topology/serverConfigs.js';
import type { StartedTopology } from '../topology/startedTopology.js';

const run = promisify(execFile);

export interface Backup {
  dir: string;
  takenAt: string;
  files: string[];
}

/**
 * A backup as an operator takes it: BGSAVE (an RDB snapshot) and a copy of the AOF directory,
 * with writes paused for the copy so the files are consistent with each other. `onPaused` runs
 * inside the pause once every executed write is in the AOF file: the moment the copy stands for.
 */
export async function takeBackup(t: StartedTopology, into: string, options: { onPaused?: () => Promise<void> } = {}): Promise<Backup> {
  const master = await t.currentMaster();
  if (!master) throw new Error('no master to back up');
  const c = master.control();
  await c.bgsave().catch((e: Error) => {
    if (!/already in progress/.test(e.message)) throw e;
  });
  // LASTSAVE has one-second resolution; the persistence section says when the fork is done.
  for (let i = 0; i < 400 && (await master.info('persistence')).get('rdb_bgsave_in_progress') === '1'; i++) await sleep(25);
  await mkdir(into, { recursive: true });
  await c.call('CLIENT', 'PAUSE', '15000', 'WRITE');
  try {
    await waitAofWritten(c);
    await options.onPaused?.();
    await cp(join(master.record.dataDir, 'appendonlydir'), join(into, 'appendonlydir'), { recursive: true });
    await cp(join(master.record.dataDir, 'dump.rdb'), join(into, 'dump.rdb')).catch(() => undefined);
    await cp(join(master.record.dataDir, 'users.acl'), join(into, 'users.acl'));
  } finally {
    await c.call('CLIENT', 'UNPAUSE');
  }
  return { dir: into, takenAt: new Date().toISOString(), files: await readdir(join(into, 'appendonlydir')) };
}

/**
 * With appendfsync everysec Redis may acknowledge a write whose AOF write(2) it postponed behind
 * a slow fsync; under a write pause the buffer drains, and then the file holds every executed write.
 */
export async function waitAofWritten(c: Redis): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const info = parseInfo(await c.info('persistence'));
    if (info.get('aof_enabled') === '0') throw new Error('AOF is off on the master: there is no AOF to back up or to cut at a point in time');
    if (info.get('aof_buffer_length') === '0') return;
    await sleep(10);
  }
  throw new Error('the AOF buffer did not drain within 2 s under a write pause');
}

/**
 * BGREWRITEAOF and wait for it: the node's base and incr files are replaced, and Redis deletes the
 * old ones. Returns what changed, from the manifest before and after.
 */
export async function forceAofRewrite(c: Redis): Promise<string> {
  const rewrites = async (): Promise<number> => Number(/aof_rewrites:(\d+)/.exec(await c.info('persistence'))?.[1] ?? 0);
  const before = await rewrites();
  await c.call('BGREWRITEAOF').catch((e: Error) => {
    if (!/already in progress|scheduled/.test(e.message)) throw e;
  });
  for (let i = 0; i < 600; i++) {
    const info = await c.info('persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && (await rewrites()) > before) {
      if (!/aof_last_bgrewrite_status:ok/.test(info)) throw new Error('BGREWRITEAOF failed (aof_last_bgrewrite_status is not ok)');
      return `AOF rewritten (BGREWRITEAOF, rewrite ${before + 1} of this node)`;
    }
    await sleep(50);
  }
  throw new Error('BGREWRITEAOF did not finish within 30 s');
}

/** Point-in-time: cut the backup's AOF at `unixSeconds` with redis-check-aof (needs aof-timestamp-enabled). */
export async function truncateToTimestamp(backup: Backup, unixSeconds: number): Promise<void> {
  const aofDir = join(backup.dir, 'appendonlydir');
  const manifest = (await readdir(aofDir)).find((f) => f.endsWith('.manifest'));
  if (!manifest) throw new Error(`no AOF manifest in ${aofDir}`);
  await run('redis-check-aof', ['--truncate-to-timestamp', String(unixSeconds), join(aofDir, manifest)]);
}

export interface RestoredNode {
  client: Redis;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a fresh standalone node on a copy of the backup (AOF first, as Redis loads it),
 * recorded in the topology's state.json like every server gauntlet starts, so a crash of the
 * harness mid-drill leaves nothing running.
 */
export async function restoreInto(backup: Backup, t: StartedTopology, workDir: string): Promise<RestoredNode> {
  const { redisServer } = await findBinaries();
  await mkdir(workDir, { recursive: true });
  await cp(backup.dir, workDir, { recursive: true });
  const logFile = join(workDir, 'redis.log');
  // A TLS topology's harness speaks TLS only: the restored node listens the same way (its
  // `port 0` closes plaintext), from the same template as the topology's nodes.
  const tls = tlsBlockOf(t.snapshot.tls, 'optional');
  const conf = join(workDir, 'restore.conf');
  const { pid, port } = await t.launcher.launch({
    name: `restored-${basename(workDir)}`,
    kind: 'redis',
    binary: redisServer,
    args: [conf],
    cwd: workDir,
    logFile,
    port: await freePort(),
    // Standalone, no snapshots of its own: only what the backup holds.
    render: async (p) => {
      const base = [`port ${p}`, 'bind 127.0.0.1', `dir ${JSON.stringify(workDir)}`, 'appendonly yes', 'appenddirname appendonlydir', `aclfile ${JSON.stringify(join(workDir, 'users.acl'))}`, 'save ""', `logfile ${JSON.stringify(logFile)}`].join('\n');
      await writeFile(conf, `${base}\n${tls ? await renderTlsBlock(tls, p) : ''}`, { mode: 0o600 });
    },
  });
  const client = directClient(port, t.adminAuth, 'gauntlet-restore-check');
  return {
    client,
    port,
    stop: async () => {
      client.disconnect();
      await stopProcess(pid);
    },
  };
}
