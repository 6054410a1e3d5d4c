import { ExitCode } from '../../errors.js';
import { renderComparison } from '../../report/comparisonTable.js';
import { renderConsoleSummary } from '../../report/consoleSummary.js';
import { progressReporter } from '../../report/progressReporter.js';
import { writeRunReport } from '../../report/writeRunReport.js';
import { executeRun } from '../../run/executeRun.js';
import { planRun, type RunRequest } from '../../run/runPlan.js';
import { onShutdownSignal } from '../shutdownSignals.js';

export interface RunOptions extends RunRequest {
  out: string;
  quiet: boolean;
}

const exitFor = { pass: ExitCode.pass, fail: ExitCode.thresholdFailed, invalid: ExitCode.invalidRun } as const;

/** `gauntlet run`: plan from the flags, execute, write the run directory, print, map the verdict to the exit code. */
export async function run(o: RunOptions): Promise<number> {
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  const plan = await planRun(o);
  const abort = new AbortController();
  const offSignal = onShutdownSignal((signal) => {
    log(`\n${signal}: stopping the load, then healing, verifying and writing the report (again to exit at once)`);
    abort.abort(signal);
  });
  let progress: ReturnType<typeof progressReporter> | null = null;
  try {
    const result = await executeRun(plan, {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.kind === 'second') {
          if (!o.quiet) (progress ??= progressReporter(process.stderr, p.totalS)).update(p.snapshot);
          return;
        }
        progress?.done();
        progress = null;
        log(p.message);
      },
    });
    const dir = await writeRunReport(o.out, result);
    console.log(renderConsoleSummary(result.summary));
    if (result.comparison) console.log(result.comparison.rows.length ? `${result.comparison.line}:\n${renderComparison(result.comparison.rows)}` : result.comparison.line);
    console.log(`report: ${dir}/summary.json (index.html, junit.xml beside it)`);
    return exitFor[result.summary.verdict];
  } finally {
    offSignal();
  }
}
