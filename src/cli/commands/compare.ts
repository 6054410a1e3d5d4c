import { compareRuns } from '../../compare/compareRuns.js';
import { ExitCode } from '../../errors.js';
import { renderComparison } from '../../report/comparisonTable.js';
import { readSummaryFile } from '../../report/readSummary.js';

/** `gauntlet compare <baseline.json> <current.json>`: exit 1 on a regression beyond tolerance. */
export async function compare(baselineFile: string, currentFile: string, json: boolean): Promise<number> {
  const rows = compareRuns(await readSummaryFile(baselineFile), await readSummaryFile(currentFile));
  console.log(json ? JSON.stringify(rows, null, 2) : renderComparison(rows));
  return rows.some((r) => r.regression) ? ExitCode.thresholdFailed : ExitCode.pass;
}
