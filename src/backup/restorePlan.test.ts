import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAofManifest } from './aofManifest.js';
import { planRestore, RestorePlanError, type ArchiveCatalog, type ArchivedAofFile } from './restorePlan.js';

const m = (...lines: string[]) => parseAofManifest(lines.map((l) => `${l}\n`).join(''));
const base = (createdAt: number | null, size = 100): ArchivedAofFile => ({ size, createdAt, firstTs: null, lastTs: null });
const incr = (firstTs: number | null, lastTs: number | null, size = 100): ArchivedAofFile => ({ size, createdAt: null, firstTs, lastTs });

/**
 * A node started at 1000 (base 1, incr 1), rewritten at 1100 (incr 2 opened at the fork, base 2
 * written by it) and again at 1200; the manifests as the archiver saw them on the way.
 */
function twoRewrites(): { manifests: ReturnType<typeof m>[]; files: Map<string, ArchivedAofFile> } {
  return {
    manifests: [
      m('file a.1.base.rdb seq 1 type b', 'file a.1.incr.aof seq 1 type i'),
      m('file a.1.base.rdb seq 1 type b', 'file a.1.incr.aof seq 1 type i', 'file a.2.incr.aof seq 2 type i'),
      m('file a.2.base.rdb seq 2 type b', 'file a.2.incr.aof seq 2 type i', 'file a.1.base.rdb seq 1 type h', 'file a.1.incr.aof seq 1 type h'),
      m('file a.3.base.rdb seq 3 type b', 'file a.3.incr.aof seq 3 type i'),
    ],
    files: new Map([
      ['a.1.base.rdb', base(1000)],
      ['a.1.incr.aof', incr(1001, 1099)],
      ['a.2.base.rdb', base(1100)],
      ['a.2.incr.aof', incr(1101, 1199)],
      ['a.3.base.rdb', base(1200)],
      ['a.3.incr.aof', incr(1201, 1250)],
    ]),
  };
}
const catalog = (over: Partial<ArchiveCatalog> = {}): ArchiveCatalog => ({ ...twoRewrites(), syncedAt: 1260, ...over });

test('a moment before a rewrite: the older base and its incr file, the later incr files left out for the cut', () => {
  const p = planRestore(catalog(), 1050);
  assert.equal(p.base.file, 'a.1.base.rdb');
  assert.deepEqual(p.incrs.map((e) => e.file), ['a.1.incr.aof']);
  assert.equal(p.manifest, 'file a.1.base.rdb seq 1 type b\nfile a.1.incr.aof seq 1 type i\n');
  assert.equal(p.truncateAt, 1050);
  assert.match(p.coverage, /a\.2\.incr\.aof starts after it/);
});

test('the newest base taken by the moment is chosen, and its chain runs on across the next rewrite', () => {
  assert.equal(planRestore(catalog(), 1150).base.file, 'a.2.base.rdb');
  assert.equal(planRestore(catalog(), 1100).base.file, 'a.2.base.rdb');
  // A moment after the last rewrite ends with the newest incr file, covered by the archiver's last pass.
  const late = planRestore(catalog(), 1255);
  assert.deepEqual([late.base.file, ...late.incrs.map((e) => e.file)], ['a.3.base.rdb', 'a.3.incr.aof']);
  assert.match(late.coverage, /in sync/);
  // With base 3 and 2 missing from the archive, base 1 still reaches 1150 through incr 1 and 2.
  const files = new Map(twoRewrites().files);
  files.delete('a.2.base.rdb');
  const p = planRestore(catalog({ files }), 1150);
  assert.deepEqual([p.base.file, ...p.incrs.map((e) => e.file)], ['a.1.base.rdb', 'a.1.incr.aof', 'a.2.incr.aof']);
});

test('what cannot be restored is refused with the reason', () => {
  assert.throws(() => planRestore(catalog(), 990), (e: Error) => e instanceof RestorePlanError && /no archived base was taken by/.test(e.message));
  // Beyond the archiver's last pass: writes of that second may not be archived yet.
  assert.throws(() => planRestore(catalog({ syncedAt: 1240 }), 1255), /reaches .* only/);
  const files = new Map(twoRewrites().files);
  files.delete('a.1.incr.aof');
  assert.throws(() => planRestore(catalog({ files }), 1050), /lacks a\.1\.incr\.aof/);
  const noTimestamps = new Map(twoRewrites().files);
  noTimestamps.set('a.1.incr.aof', incr(null, null));
  assert.throws(() => planRestore(catalog({ files: noTimestamps }), 1050), /aof-timestamp-enabled/);
  assert.throws(() => planRestore({ manifests: [], files: new Map(), syncedAt: null }, 1050), /no AOF manifest/);
});

test('a gap in the incr sequence is refused; a trailing empty incr file is left out (nothing to cut)', () => {
  const gap = catalog({ manifests: [m('file a.1.base.rdb seq 1 type b', 'file a.1.incr.aof seq 1 type i'), m('file a.1.base.rdb seq 1 type b', 'file a.3.incr.aof seq 3 type i')] });
  assert.throws(() => planRestore(gap, 1220), /misses incr files between a\.1\.incr\.aof and a\.3\.incr\.aof/);
  // Also when the file after the gap starts after the moment: the missing one may hold its writes.
  assert.throws(() => planRestore(gap, 1150), /misses incr files between a\.1\.incr\.aof and a\.3\.incr\.aof/);
  const files = new Map(twoRewrites().files);
  files.set('a.3.incr.aof', incr(null, null, 0));
  const p = planRestore(catalog({ files }), 1255);
  assert.deepEqual(p.incrs, []);
});
