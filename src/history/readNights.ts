import { access, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { firstIssue } from '../inputValidation.js';
import { nightSummarySchema, type Night } from './nightSummary.js';

export interface NightsRead {
  /** Oldest first (by startedAt). */
  nights: Night[];
  /** summary.json files found in a directory that could not be read: listed, not fatal. */
  skipped: Array<{ file: string; reason: string }>;
}

/**
 * Every summary.json below a directory. Symbolic links are not followed: `reports/latest` points at a
 * run that is read anyway, and a link cycle must not hang the walk.
 */
async function summaryFilesBelow(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else if (e.isFile() && e.name === 'summary.json') found.push(join(d, e.name));
    }
  };
  await walk(dir);
  return found.sort();
}

async function readNight(file: string): Promise<Night> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error((e as NodeJS.ErrnoException).code ? `not readable (${(e as NodeJS.ErrnoException).code})` : `not JSON (${(e as Error).message})`);
  }
  const parsed = nightSummarySchema.safeParse(raw);
  if (!parsed.success) throw new Error(`not a gauntlet summary: ${firstIssue(parsed.error)}`);
  const report = join(dirname(file), 'index.html');
  const hasReport = await access(report).then(
    () => true,
    () => false,
  );
  return { summary: parsed.data, file, reportFile: hasReport ? report : null };
}

/**
 * Reads the nights of a history: each path is a summary.json or a directory searched recursively.
 * A path that does not exist or cannot be listed, or a summary.json named explicitly that does not
 * read, is a user error (exit 3); a broken summary.json found inside a directory (a job killed
 * while writing) is skipped and listed, so one bad night does not hide all the others.
 */
export async function readNights(paths: readonly string[]): Promise<NightsRead> {
  const nights: Night[] = [];
  const skipped: NightsRead['skipped'] = [];
  const seen = new Set<string>();
  const add = (n: Night): void => {
    // The same run copied twice (e.g. into a history directory and a report directory) counts once.
    if (seen.has(n.summary.runId)) return;
    seen.add(n.summary.runId);
    nights.push(n);
  };
  for (const p of paths) {
    const kind = await stat(p).then(
      (s) => (s.isDirectory() ? 'dir' : 'file'),
      (e: NodeJS.ErrnoException) => {
        throw new UserError(`${p}: ${e.code === 'ENOENT' ? 'not found' : `not readable (${e.code ?? e.message})`}`);
      },
    );
    if (kind === 'file') {
      add(await readNight(p).catch((e: Error) => Promise.reject(new UserError(`${p}: ${e.message}`))));
      continue;
    }
    const files = await summaryFilesBelow(p).catch((e: NodeJS.ErrnoException) => Promise.reject(new UserError(`${p}: cannot list the directory (${e.code ?? e.message})`)));
    for (const f of files) {
      try {
        add(await readNight(f));
      } catch (e) {
        skipped.push({ file: f, reason: (e as Error).message });
      }
    }
  }
  nights.sort((a, b) => Date.parse(a.summary.startedAt) - Date.parse(b.summary.startedAt) || basename(dirname(a.file)).localeCompare(basename(dirname(b.file))));
  return { nights, skipped };
}
