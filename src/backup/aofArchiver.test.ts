import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AofArchiver } from './aofArchiver.js';
import { planRestore } from './restorePlan.js';
import { readArchiveCatalog } from './restoreFromArchive.js';

/**
 * The archiver against a directory laid out as Redis 7 lays out appendonlydir, changed between
 * passes the way a rewrite changes it (files only: the real thing is test/integration/pitr.test.ts).
 */
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function node(): { dataDir: string; aof: string; archive: string; manifest(lines: string[]): void } {
  const root = mkdtempSync(join(tmpdir(), 'gauntlet-archiver-'));
  roots.push(root);
  const dataDir = join(root, 'data');
  const aof = join(dataDir, 'appendonlydir');
  mkdirSync(aof, { recursive: true });
  return { dataDir, aof, archive: join(root, 'archive'), manifest: (lines) => writeFileSync(join(aof, 'appendonly.aof.manifest'), lines.map((l) => `${l}\n`).join('')) };
}

/** A node as it starts: base 1 and incr 1 with `incr` in it. */
function startedNode(incr: string): ReturnType<typeof node> {
  const n = node();
  writeFileSync(join(n.aof, 'appendonly.aof.1.base.rdb'), 'REDIS0010');
  writeFileSync(join(n.aof, 'appendonly.aof.1.incr.aof'), incr);
  n.manifest(['file appendonly.aof.1.base.rdb seq 1 type b', 'file appendonly.aof.1.incr.aof seq 1 type i']);
  return n;
}

test('a file a rewrite deletes right after its last writes is archived whole, because it was linked when first seen', async () => {
  const n = startedNode('#TS:1000\r\n*1\r\n$4\r\nPING\r\n');
  const archiver = new AofArchiver({ dataDir: n.dataDir, archiveDir: n.archive, textfile: join(n.archive, '..', 'tf', 'backup.prom'), node: 'n0' });
  const first = await archiver.syncOnce();
  assert.deepEqual(first.copied.sort(), ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'b1-i1.manifest']);
  // Between two passes: more writes, then a rewrite opens incr 2, writes base 2 and deletes base 1 and incr 1.
  appendFileSync(join(n.aof, 'appendonly.aof.1.incr.aof'), '#TS:1001\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n');
  writeFileSync(join(n.aof, 'appendonly.aof.2.incr.aof'), '#TS:1002\r\n*1\r\n$4\r\nPING\r\n');
  writeFileSync(join(n.aof, 'appendonly.aof.2.base.rdb'), 'REDIS0010');
  n.manifest(['file appendonly.aof.2.base.rdb seq 2 type b', 'file appendonly.aof.2.incr.aof seq 2 type i']);
  rmSync(join(n.aof, 'appendonly.aof.1.incr.aof'));
  rmSync(join(n.aof, 'appendonly.aof.1.base.rdb'));
  const second = await archiver.syncOnce();
  assert.ok(second.copied.includes('appendonly.aof.1.incr.aof'), 'the deleted file grew since the last pass: copied again');
  assert.match(readFileSync(join(n.archive, 'aof', 'appendonly.aof.1.incr.aof'), 'latin1'), /#TS:1001\r\n\*2\r\n\$3\r\nDEL/);
  // The staged links of files Redis no longer lists are released once their final size is archived.
  assert.deepEqual(readdirSync(join(n.dataDir, '.gauntlet-backup-staging')).sort(), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof']);
  assert.deepEqual(readdirSync(join(n.archive, 'manifests')).sort(), ['b1-i1.manifest', 'b2-i2.manifest']);
  assert.match(readFileSync(join(n.archive, '..', 'tf', 'backup.prom'), 'utf8'), /^gauntlet_backup_last_success_timestamp_seconds\{node="n0"\} \d+$/m);
});

test('a file created and deleted between two passes is missing, and the planner names the gap (the check can fail)', async () => {
  const n = startedNode('#TS:1000\r\n*1\r\n$4\r\nPING\r\n');
  const archiver = new AofArchiver({ dataDir: n.dataDir, archiveDir: n.archive });
  await archiver.syncOnce();
  // Two rewrites within one pass: incr 2 lived and died unseen.
  writeFileSync(join(n.aof, 'appendonly.aof.3.incr.aof'), '#TS:1003\r\n*1\r\n$4\r\nPING\r\n');
  writeFileSync(join(n.aof, 'appendonly.aof.3.base.rdb'), 'REDIS0010');
  n.manifest(['file appendonly.aof.3.base.rdb seq 3 type b', 'file appendonly.aof.3.incr.aof seq 3 type i']);
  await archiver.syncOnce();
  // Incr 2 may hold writes of 1001-1002: a moment there is refused, not restored without them.
  const catalog = await readArchiveCatalog(n.archive);
  assert.throws(() => planRestore(catalog, 1002), /misses incr files between appendonly\.aof\.1\.incr\.aof and appendonly\.aof\.3\.incr\.aof/);
  // From base 3 on the archive is whole again (the base has no ctime here: its first write bounds it).
  assert.equal(planRestore({ ...catalog, syncedAt: 2000 }, 1005).base.file, 'appendonly.aof.3.base.rdb');
});

test('a node whose AOF started over is refused instead of mixed into the old archive', async () => {
  const n = startedNode('');
  const archiver = new AofArchiver({ dataDir: n.dataDir, archiveDir: n.archive });
  await archiver.syncOnce();
  rmSync(join(n.aof, 'appendonly.aof.1.incr.aof'));
  writeFileSync(join(n.aof, 'appendonly.aof.1.incr.aof'), 'other');
  await assert.rejects(archiver.syncOnce(), /started over/);
});
