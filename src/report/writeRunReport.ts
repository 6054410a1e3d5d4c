import { mkdir, rename, symlink, writeFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Summary } from './summarySchema.js';
import { renderHtmlReport } from './htmlReport.js';
import { renderJunit } from './junitReport.js';

/** What goes into a run directory. */
export interface RunFiles {
  summary: Summary;
  /** .hgrm percentile distributions by name ("overall", operation names). */
  hgrm: Readonly<Record<string, string>>;
  ledgerFindings: ReadonlyArray<object>;
}

/**
 * reports/<run-id>/: summary.json, index.html, junit.xml, one .hgrm percentile distribution per
 * operation, ledger-findings.jsonl, and reports/latest pointing at the newest run (a relative
 * symlink, replaced atomically).
 */
export async function writeRunReport(outDir: string, run: RunFiles): Promise<string> {
  const { summary } = run;
  const dir = resolve(outDir, summary.runId);
  await mkdir(dir, { recursive: true });
  if (run.ledgerFindings.length > 0) await writeFile(join(dir, 'ledger-findings.jsonl'), run.ledgerFindings.map((f) => JSON.stringify(f)).join('\n') + '\n');
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(dir, 'index.html'), renderHtmlReport(summary));
  await writeFile(join(dir, 'junit.xml'), renderJunit(summary));
  for (const [name, text] of Object.entries(run.hgrm)) if (text) await writeFile(join(dir, `latency-${name}.hgrm`), text);
  const latest = resolve(outDir, 'latest');
  const tmp = `${latest}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  await symlink(summary.runId, tmp);
  await rename(tmp, latest);
  return dir;
}

export function newRunId(scenario: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${scenario}-${Math.random().toString(36).slice(2, 6)}`;
}
