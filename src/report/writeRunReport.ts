import { mkdir, rename, symlink, writeFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { LatencyRecorder } from '../load/latencyRecorder.js';
import type { Summary } from './summarySchema.js';
import { renderHtmlReport } from './htmlReport.js';
import { renderJunit } from './junitReport.js';

/**
 * reports/<run-id>/: summary.json, index.html, junit.xml, one .hgrm percentile distribution per operation, and
 * reports/latest pointing at the newest run (a relative symlink, replaced atomically).
 */
export async function writeRunReport(outDir: string, summary: Summary, recorder: LatencyRecorder, ledgerFindings: ReadonlyArray<object> = []): Promise<string> {
  const dir = resolve(outDir, summary.runId);
  await mkdir(dir, { recursive: true });
  if (ledgerFindings.length > 0) await writeFile(join(dir, 'ledger-findings.jsonl'), ledgerFindings.map((f) => JSON.stringify(f)).join('\n') + '\n');
  await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(dir, 'index.html'), renderHtmlReport(summary));
  await writeFile(join(dir, 'junit.xml'), renderJunit(summary));
  await writeFile(join(dir, 'latency-overall.hgrm'), recorder.hgrm('overall'));
  for (const op of recorder.byOp.keys()) await writeFile(join(dir, `latency-${op}.hgrm`), recorder.hgrm(op));
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
