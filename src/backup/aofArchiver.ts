import { execFile } from 'node:child_process';
import { copyFile, link, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { manifestArchiveName, parseAofManifest } from './aofManifest.js';
import { rdbCreatedAt } from './aofTimestamps.js';
import { backupTextfile, type BackupStatus } from './backupMetrics.js';

const run = promisify(execFile);

export interface ArchiverOptions {
  /** The node's `dir` (holds appendonlydir and dump.rdb). */
  dataDir: string;
  aofDirName?: string;
  rdbFileName?: string;
  /** The archive of this one node: aof/, manifests/, rdb/, archive-state.json. */
  archiveDir: string;
  /**
   * Where files are hard-linked the moment they are seen, so a rewrite that deletes them from
   * appendonlydir cannot take their last writes away before they are copied. Must be on the data
   * directory's filesystem (a hard link cannot cross filesystems).
   */
  stagingDir?: string;
  /** Run after each file lands in the archive, with FILE (its path) and NAME (path inside the archive) in the environment: e.g. an S3 upload. */
  archiveCmd?: string;
  /** node_exporter textfile collector file (written atomically). */
  textfile?: string;
  node?: string;
}

interface ArchivedRecord {
  size: number;
  mtimeMs: number;
}

/** archive-state.json: what is already copied, and until when the archive is complete. */
export interface ArchiveState {
  /** Unix seconds: every write whose AOF timestamp is at or before this is in the archive. */
  syncedAt: number | null;
  files: Record<string, ArchivedRecord>;
  rdb: ArchivedRecord | null;
  lastSnapshot: number | null;
}

export const archiveStateFile = 'archive-state.json';

/**
 * With appendfsync everysec Redis may acknowledge a write and postpone its write(2) for up to 2 s
 * behind a slow fsync: a pass that started at t holds every write acknowledged before t - 2 s.
 */
const postponedWriteS = 2;

export interface SyncResult {
  copied: string[];
  syncedAt: number;
}

/**
 * The archive walker: each pass hard-links every file the AOF manifest names into a staging
 * directory, copies every staged file that changed into the archive, keeps each manifest by
 * sequence and each new RDB snapshot, then releases the staged files Redis no longer lists once
 * their final size is archived.
 */
export class AofArchiver {
  private readonly aofDir: string;
  private readonly stagingDir: string;
  private state: ArchiveState = { syncedAt: null, files: {}, rdb: null, lastSnapshot: null };
  private loaded = false;
  private status: BackupStatus;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;

  constructor(private readonly o: ArchiverOptions) {
    this.aofDir = join(o.dataDir, o.aofDirName ?? 'appendonlydir');
    this.stagingDir = o.stagingDir ?? join(o.dataDir, '.gauntlet-backup-staging');
    this.status = { node: o.node ?? 'redis', lastSuccess: null, lastSnapshot: null, lastFailure: null, failuresInARow: 0, archivedFiles: 0 };
  }

  async syncOnce(): Promise<SyncResult> {
    const started = Date.now();
    try {
      const result = await this.pass(started);
      this.status = { ...this.status, lastSuccess: Math.floor(started / 1000), lastSnapshot: this.state.lastSnapshot, failuresInARow: 0, archivedFiles: Object.keys(this.state.files).length + (await this.countArchived()) };
      await this.writeTextfile();
      return result;
    } catch (e) {
      this.status = { ...this.status, lastFailure: Math.floor(Date.now() / 1000), failuresInARow: this.status.failuresInARow + 1 };
      await this.writeTextfile().catch(() => undefined);
      throw e;
    }
  }

  /** Passes every `intervalMs` until stop(); a failed pass is reported through `onError` and retried. */
  start(intervalMs: number, onError: (e: Error) => void, beforePass?: () => Promise<void>): void {
    this.loop = (async () => {
      while (!this.stopping) {
        try {
          await beforePass?.();
          await this.syncOnce();
        } catch (e) {
          onError(e as Error);
        }
        if (this.stopping) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    })();
  }

  /** Ends the loop and makes one last pass, so the archive holds everything up to now. */
  async stop(): Promise<SyncResult> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    return this.syncOnce();
  }

  private async pass(started: number): Promise<SyncResult> {
    await this.loadState();
    await Promise.all(['aof', 'manifests', 'rdb'].map((d) => mkdir(join(this.o.archiveDir, d), { recursive: true })));
    await mkdir(this.stagingDir, { recursive: true });
    const manifestName = (await readdir(this.aofDir)).find((f) => f.endsWith('.manifest'));
    if (!manifestName) throw new Error(`no AOF manifest in ${this.aofDir}: is appendonly on (Redis 7 multi-part AOF)?`);
    const manifestText = await readFile(join(this.aofDir, manifestName), 'utf8');
    const entries = parseAofManifest(manifestText, manifestName);
    // Link first, copy later: from here on a rewrite's deletions cannot take anything we listed.
    for (const e of entries) await this.stage(e.file);
    const copied: string[] = [];
    const live = new Set(entries.filter((e) => e.type !== 'history').map((e) => e.file));
    for (const name of await readdir(this.stagingDir)) {
      const staged = join(this.stagingDir, name);
      const st = await stat(staged);
      const rec = this.state.files[name];
      if (!rec || rec.size !== st.size || rec.mtimeMs !== st.mtimeMs) {
        await this.put(staged, `aof/${name}`);
        this.state.files[name] = { size: st.size, mtimeMs: st.mtimeMs };
        copied.push(name);
      }
      // Gone from the manifest (or history): Redis writes it no more, and its final size is archived.
      if (!live.has(name) && this.state.files[name]!.size === st.size) await unlink(staged);
    }
    const liveEntries = entries.filter((e) => e.type !== 'history');
    const archivedManifest = join(this.o.archiveDir, 'manifests', manifestArchiveName(liveEntries));
    const previous = await readFile(archivedManifest, 'utf8').catch(() => null);
    const liveText = manifestText.split('\n').filter((l) => !/\stype\s+h\b/.test(l)).join('\n');
    if (previous !== liveText) {
      await this.putText(liveText, `manifests/${manifestArchiveName(liveEntries)}`);
      copied.push(manifestArchiveName(liveEntries));
    }
    const snapshot = await this.archiveSnapshot();
    if (snapshot) copied.push(snapshot);
    const syncedAt = Math.floor(started / 1000) - 1 - postponedWriteS;
    this.state.syncedAt = syncedAt;
    await this.saveState();
    // The state says until when the archive is complete: the restore tool needs it wherever the archive goes.
    await this.afterPut(join(this.o.archiveDir, archiveStateFile), archiveStateFile);
    return { copied, syncedAt };
  }

  private async stage(file: string): Promise<void> {
    const source = join(this.aofDir, file);
    const staged = join(this.stagingDir, file);
    try {
      await link(source, staged);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return; // deleted between reading the manifest and linking: already staged or never ours
      if (code === 'EXDEV') throw new Error(`the staging directory ${this.stagingDir} must be on the filesystem of ${this.o.dataDir} (hard links)`);
      if (code !== 'EEXIST') throw e;
      const [a, b] = await Promise.all([stat(source).catch(() => null), stat(staged)]);
      if (a && a.ino !== b.ino) throw new Error(`${file} in ${this.aofDir} is not the file archived under that name: the node's AOF started over (sequence numbers reset); archive it into a new directory`);
    }
  }

  private async archiveSnapshot(): Promise<string | null> {
    const rdb = join(this.o.dataDir, this.o.rdbFileName ?? 'dump.rdb');
    const st = await stat(rdb).catch(() => null);
    if (!st || (this.state.rdb && this.state.rdb.size === st.size && this.state.rdb.mtimeMs === st.mtimeMs)) return null;
    const fh = await open(rdb, 'r');
    let created: number;
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
      created = rdbCreatedAt(buffer.subarray(0, bytesRead)) ?? Math.floor(st.mtimeMs / 1000);
    } finally {
      await fh.close();
    }
    const name = `rdb/dump-${created}.rdb`;
    await this.put(rdb, name);
    this.state.rdb = { size: st.size, mtimeMs: st.mtimeMs };
    this.state.lastSnapshot = created;
    return name;
  }

  /** Copy into the archive atomically (a half-copied file never carries the final name), then the user's command. */
  private async put(source: string, name: string): Promise<void> {
    const target = join(this.o.archiveDir, name);
    await copyFile(source, `${target}.partial`);
    await rename(`${target}.partial`, target);
    await this.afterPut(target, name);
  }

  private async putText(text: string, name: string): Promise<void> {
    const target = join(this.o.archiveDir, name);
    await writeFile(`${target}.partial`, text);
    await rename(`${target}.partial`, target);
    await this.afterPut(target, name);
  }

  private async afterPut(file: string, name: string): Promise<void> {
    if (!this.o.archiveCmd) return;
    try {
      await run('sh', ['-c', this.o.archiveCmd], { env: { ...process.env, FILE: file, NAME: name } });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(`archive command failed for ${name}: ${(err.stderr || err.message).trim().split('\n').at(-1)}`);
    }
  }

  private async countArchived(): Promise<number> {
    const [m, r] = await Promise.all(['manifests', 'rdb'].map((d) => readdir(join(this.o.archiveDir, d)).catch(() => [])));
    return (m?.length ?? 0) + (r?.length ?? 0);
  }

  private async loadState(): Promise<void> {
    if (this.loaded) return;
    const text = await readFile(join(this.o.archiveDir, archiveStateFile), 'utf8').catch(() => null);
    if (text) this.state = JSON.parse(text) as ArchiveState;
    this.loaded = true;
  }

  private async saveState(): Promise<void> {
    const file = join(this.o.archiveDir, archiveStateFile);
    await writeFile(`${file}.partial`, JSON.stringify(this.state, null, 2));
    await rename(`${file}.partial`, file);
  }

  private async writeTextfile(): Promise<void> {
    if (!this.o.textfile) return;
    await mkdir(dirname(this.o.textfile), { recursive: true });
    await writeFile(`${this.o.textfile}.partial`, backupTextfile(this.status));
    await rename(`${this.o.textfile}.partial`, this.o.textfile);
  }
}
