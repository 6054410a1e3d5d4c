import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtmlReport } from '../../report/htmlReport.js';
import { renderJunit } from '../../report/junitReport.js';
import { readSummaryFile } from '../../report/readSummary.js';

/** `gauntlet report <run-dir>`: re-renders index.html and junit.xml from the run's saved summary.json. */
export async function report(runDir: string): Promise<number> {
  const summary = await readSummaryFile(join(runDir, 'summary.json'));
  await writeFile(join(runDir, 'index.html'), renderHtmlReport(summary));
  await writeFile(join(runDir, 'junit.xml'), renderJunit(summary));
  console.log(`wrote ${join(runDir, 'index.html')} and junit.xml`);
  return 0;
}
