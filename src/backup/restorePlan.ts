import { formatAofManifest, type AofManifestEntry } from './aofManifest.js';

/** What the restore planner knows of one archived AOF file. */
export interface ArchivedAofFile {
  size: number;
  /** Base files: the RDB preamble's ctime (the fork of the rewrite that wrote it); null otherwise. */
  createdAt: number | null;
  /** Incr files: the first and last `#TS:` annotation; null when the file has none. */
  firstTs: number | null;
  lastTs: number | null;
}

/** The archive as the planner sees it: every manifest the archiver saw, the files it holds. */
export interface ArchiveCatalog {
  manifests: ReadonlyArray<readonly AofManifestEntry[]>;
  files: ReadonlyMap<string, ArchivedAofFile>;
  /** Unix seconds: every write acknowledged before this was in the archive (the archiver's last complete pass). */
  syncedAt: number | null;
}

export interface RestorePlan {
  base: AofManifestEntry;
  incrs: AofManifestEntry[];
  /** The manifest the rebuilt appendonlydir gets (base and the chosen incr files only). */
  manifest: string;
  /** Cut with `redis-check-aof --truncate-to-timestamp` (it may only cut the last file, which is why later incr files are left out). */
  truncateAt: number;
  /** The base's moment, and why the point is known to be covered. */
  baseAt: number;
  coverage: string;
}

export class RestorePlanError extends Error {}

const iso = (s: number): string => new Date(s * 1000).toISOString();

/**
 * Chooses what rebuilds a node at second `at` (every write whose AOF timestamp is <= `at`):
 * the newest archived base taken no later than `at`, then every incr file from the one that
 * started with that base, up to the last one whose first write is not after `at`. A base is
 * followed by every later incr file, across rewrites: the incr file opened at a rewrite's fork
 * continues both the old base's chain and the new base's.
 */
export function planRestore(catalog: ArchiveCatalog, at: number): RestorePlan {
  const bases = new Map<number, AofManifestEntry>();
  const incrs = new Map<number, AofManifestEntry>();
  const firstIncrOfBase = new Map<number, number>();
  for (const m of catalog.manifests) {
    const base = m.find((e) => e.type === 'base');
    const mIncrs = m.filter((e) => e.type === 'incr');
    for (const e of mIncrs) incrs.set(e.seq, e);
    if (!base) continue;
    bases.set(base.seq, base);
    const first = Math.min(...mIncrs.map((e) => e.seq));
    if (Number.isFinite(first)) firstIncrOfBase.set(base.seq, Math.min(first, firstIncrOfBase.get(base.seq) ?? Infinity));
  }
  if (!bases.size) throw new RestorePlanError('the archive holds no AOF manifest with a base file');
  const allIncrs = [...incrs.values()].sort((a, b) => a.seq - b.seq);
  const meta = (e: AofManifestEntry): ArchivedAofFile => {
    const f = catalog.files.get(e.file);
    if (!f) throw new RestorePlanError(`the archive lacks ${e.file}, which a manifest lists: it was deleted before the archiver copied it (two rewrites within one poll?)`);
    return f;
  };

  const skipped: string[] = [];
  for (const base of [...bases.values()].sort((a, b) => b.seq - a.seq)) {
    const firstIncr = firstIncrOfBase.get(base.seq) ?? Infinity;
    const chain = allIncrs.filter((e) => e.seq >= firstIncr);
    const b = catalog.files.get(base.file);
    // Without a ctime (a RESP base), the first write after the base bounds its moment from above.
    const baseAt = b?.createdAt ?? chain.map((e) => catalog.files.get(e.file)?.firstTs ?? null).find((t) => t !== null) ?? null;
    if (!b || baseAt === null || baseAt > at) {
      skipped.push(`${base.file} (${!b ? 'not archived' : baseAt === null ? 'moment unknown' : `taken ${iso(baseAt)}`})`);
      continue;
    }
    const chosen: AofManifestEntry[] = [];
    let laterFile: AofManifestEntry | null = null;
    let previous: AofManifestEntry | null = null;
    for (const e of chain) {
      // A missing file before the cut may hold writes up to the moment, even when the next one starts after it.
      if (previous && e.seq !== previous.seq + 1) throw new RestorePlanError(`the archive misses incr files between ${previous.file} and ${e.file} (seq ${previous.seq + 1}..${e.seq - 1})`);
      previous = e;
      const f = meta(e);
      if (f.firstTs !== null && f.firstTs > at) {
        laterFile = e;
        break;
      }
      if (f.firstTs === null && f.size > 0) throw new RestorePlanError(`${e.file} has no timestamp annotations: point-in-time restore needs aof-timestamp-enabled yes`);
      chosen.push(e);
    }
    // redis-check-aof cuts only the last file, and an empty one has nothing to cut: drop trailing empties.
    while (chosen.length && meta(chosen.at(-1)!).firstTs === null) chosen.pop();
    const lastTs = chosen.length ? meta(chosen.at(-1)!).lastTs : null;
    let coverage: string;
    if (laterFile) coverage = `${laterFile.file} starts after it`;
    else if (lastTs !== null && lastTs > at) coverage = `${chosen.at(-1)!.file} has writes after it`;
    else if (catalog.syncedAt !== null && catalog.syncedAt >= at) coverage = `the archive was in sync at ${iso(catalog.syncedAt)}`;
    else throw new RestorePlanError(`the archive reaches ${catalog.syncedAt === null ? 'an unknown moment' : iso(catalog.syncedAt)} only; ${iso(at)} is later (is the archiver running?)`);
    return { base, incrs: chosen, manifest: formatAofManifest([base, ...chosen]), truncateAt: at, baseAt, coverage };
  }
  throw new RestorePlanError(`no archived base was taken by ${iso(at)}: ${skipped.join(', ')}`);
}
