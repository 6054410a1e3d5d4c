import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAofManifest } from './aofManifest.js';
import { archiveStateFile, type ArchiveState } from './aofArchiver.js';
import { AofTimestampScanner, rdbCreatedAt } from './aofTimestamps.js';
import { planRestore, type ArchiveCatalog, type ArchivedAofFile, type RestorePlan } from './restorePlan.js';

async function describeFile(path: string, name: string): Promise<ArchivedAofFile> {
  const { size } = await stat(path);
  if (/\.base\./.test(name)) {
    const fh = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await fh.read(Buffer.alloc(512), 0, 512, 0);
      return { size, createdAt: rdbCreatedAt(buffer.subarray(0, bytesRead)), firstTs: null, lastTs: null };
    } finally {
      await fh.close();
    }
  }
  const scanner = new AofTimestampScanner();
  for await (const chunk of createReadStream(path)) scanner.push(chunk as Buffer);
  return { size, createdAt: null, firstTs: scanner.firstTs, lastTs: scanner.lastTs };
}

/** Reads an archive written by AofArchiver (or copied back from where its command put it). */
export async function readArchiveCatalog(archiveDir: string): Promise<ArchiveCatalog> {
  const manifestNames = (await readdir(join(archiveDir, 'manifests')).catch(() => [])).filter((f) => f.endsWith('.manifest'));
  const manifests = await Promise.all(manifestNames.map(async (f) => parseAofManifest(await readFile(join(archiveDir, 'manifests', f), 'utf8'), f)));
  const files = new Map<string, ArchivedAofFile>();
  for (const name of await readdir(join(archiveDir, 'aof')).catch(() => [])) {
    if (!name.endsWith('.partial')) files.set(name, await describeFile(join(archiveDir, 'aof', name), name));
  }
  const state = await readFile(join(archiveDir, archiveStateFile), 'utf8').then((t) => JSON.parse(t) as ArchiveState).catch(() => null);
  return { manifests, files, syncedAt: state?.syncedAt ?? null };
}

function checkAof(args: string[], input?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-check-aof', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
    child.stdin.end(input ?? '');
  });
}

export interface RestoreResult {
  plan: RestorePlan;
  /** The rebuilt appendonlydir and its manifest. */
  aofDir: string;
  manifestFile: string;
  /** What redis-check-aof said. */
  check: string;
}

/**
 * Rebuilds a node's appendonlydir at second `at` from the archive: the planned base and incr
 * files, a manifest naming only them, and the last one cut at `at` by redis-check-aof. Start a
 * node with `dir` = `into` (appendonly yes, the same appenddirname) to load it.
 */
export async function restoreFromArchive(o: { archiveDir: string; at: number; into: string; aofDirName?: string }): Promise<RestoreResult> {
  const plan = planRestore(await readArchiveCatalog(o.archiveDir), o.at);
  const aofDir = join(o.into, o.aofDirName ?? 'appendonlydir');
  await mkdir(aofDir, { recursive: true });
  if ((await readdir(aofDir)).length) throw new Error(`${aofDir} is not empty: restore into a fresh directory`);
  for (const e of [plan.base, ...plan.incrs]) await copyFile(join(o.archiveDir, 'aof', e.file), join(aofDir, e.file));
  // Redis names the manifest after appendfilename, which the file names start with.
  const manifestFile = join(aofDir, `${plan.base.file.replace(/\.\d+\.base\.(rdb|aof)$/, '')}.manifest`);
  await writeFile(manifestFile, plan.manifest);
  let check = await checkAof(['--truncate-to-timestamp', String(plan.truncateAt), manifestFile]);
  if (check.code !== 0 && /is not valid/.test(check.output)) {
    // The newest copy may end inside a command (copied while Redis wrote it): drop that tail, then cut.
    const fixed = await checkAof(['--fix', manifestFile], 'y\n');
    if (fixed.code !== 0) throw new Error(`redis-check-aof --fix failed: ${fixed.output.trim().split('\n').at(-1)}`);
    check = await checkAof(['--truncate-to-timestamp', String(plan.truncateAt), manifestFile]);
  }
  if (check.code !== 0) throw new Error(`redis-check-aof --truncate-to-timestamp ${plan.truncateAt} failed: ${check.output.trim().split('\n').at(-1)}`);
  return { plan, aofDir, manifestFile, check: check.output.trim() };
}
