import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderHtmlReport } from '../report/htmlReport.js';
import type { Summary } from '../report/summarySchema.js';
import type { Capacity } from './capacitySchema.js';
import { renderCapacityPage } from './capacityPage.js';

/** `<out>/<run-id>/`: where a sweep writes. */
export function capacityDir(outDir: string, runId: string): string {
  return resolve(outDir, runId);
}

/**
 * A step's own run, beside the sweep: `steps/<step-run-id>.summary.json` and `.html`. Not named
 * summary.json, so `gauntlet history` and `--baseline auto` never take a step for a night.
 */
export async function writeStepRun(dir: string, summary: Summary): Promise<void> {
  const steps = join(dir, 'steps');
  await mkdir(steps, { recursive: true });
  await writeFile(join(steps, `${summary.runId}.summary.json`), `${JSON.stringify(summary, null, 2)}\n`);
  await writeFile(join(steps, `${summary.runId}.html`), renderHtmlReport(summary));
}

/** capacity.json and index.html (the sweep's page). */
export async function writeCapacityReport(dir: string, c: Capacity): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'capacity.json'), `${JSON.stringify(c, null, 2)}\n`);
  await writeFile(join(dir, 'index.html'), renderCapacityPage(c));
}
