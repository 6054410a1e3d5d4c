import { ExitCode, UserError } from '../../errors.js';
import { renderComparison } from '../../report/comparisonTable.js';
import { renderConsoleSummary } from '../../report/consoleSummary.js';
import { progressReporter } from '../../report/progressReporter.js';
import { writeRunReport } from '../../report/writeRunReport.js';
import { executeRun, type RunControl } from '../../run/executeRun.js';
import { executeShard, writePartial } from '../../run/executeShard.js';
import { parsePartition, partitionLabel } from '../../load/population/schedulePartition.js';
import { planRun, type RunRequest } from '../../run/runPlan.js';
import { onShutdownSignal } from '../shutdownSignals.js';
import { checkedTarget, type TargetFlags } from '../targetFlags.js';

export interface RunOptions extends Omit<RunRequest, 'target'>, TargetFlags {
  out: string;
  quiet: boolean;
  /** summary.json on stdout; everything else on stderr. */
  json: boolean;
  /** "I/N": run shard I of N and write its partial result into --out instead of a verdict. */
  shard?: string;
  /** The shared start of every shard's schedule (ISO 8601). */
  startAt?: string;
}

/** The exit code of a verdict (README, "Exit codes"). */
export const exitFor = { pass: ExitCode.pass, fail: ExitCode.thresholdFailed, invalid: ExitCode.invalidRun } as const;

/** `gauntlet run`: plan from the flags, execute, write the run directory, print, map the verdict to the exit code. */
export async function run(o: RunOptions): Promise<number> {
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  const target = await checkedTarget(o);
  if (typeof target === 'object' && o.allowDestructive) throw new UserError('--allow-destructive needs a target file that also says allowDestructive: true; target flags never allow destructive actions');
  if (o.startAt !== undefined && o.shard === undefined) throw new UserError('--start-at is the shared start of a sharded run\'s shards: give it with --shard I/N');
  const shard = o.shard === undefined ? null : parsePartition(o.shard);
  if (typeof shard === 'string') throw new UserError(`--shard: ${shard}`);
  if (shard && o.startAt === undefined) throw new UserError(`--shard ${o.shard} needs --start-at TIME: the moment (ISO 8601, e.g. 2030-01-01T12:00:00Z) every shard starts its schedule, so that they line up`);
  if (shard && (o.json || o.baseline)) throw new UserError(`--shard ${o.shard} writes a partial result, not a summary: ${o.json ? '--json' : '--baseline'} belongs to \`gauntlet merge\``);
  const plan = await planRun({ ...o, target });
  // With --json, stdout carries summary.json alone.
  const print = (text: string): void => void (o.json ? process.stderr : process.stdout).write(`${text}\n`);
  const abort = new AbortController();
  const offSignal = onShutdownSignal((signal) => {
    log(`\n${signal}: stopping the load, then healing, verifying and writing the report (again to exit at once)`);
    abort.abort(signal);
  });
  let progress: ReturnType<typeof progressReporter> | null = null;
  const endProgress = (): void => {
    progress?.done();
    progress = null;
  };
  const control: RunControl = {
    signal: abort.signal,
    onProgress: (p) => {
      if (p.kind === 'second') {
        if (!o.quiet) (progress ??= progressReporter(process.stderr, p.totalS)).update(p.snapshot);
        return;
      }
      endProgress();
      log(p.message);
    },
  };
  try {
    if (shard) {
      const partial = await executeShard(plan, shard, Date.parse(o.startAt!), control);
      endProgress();
      const file = await writePartial(o.out, partial);
      print(`shard ${partitionLabel(shard)}: ${Object.values(partial.load.byOp).reduce((a, t) => a + t.ok + t.errors, 0)} operations${partial.load.aborted ? ' (stopped early)' : ''}; partial result ${file} (merge every shard's with \`gauntlet merge\`)`);
      return ExitCode.pass;
    }
    const result = await executeRun(plan, control);
    const dir = await writeRunReport(o.out, result);
    print(renderConsoleSummary(result.summary));
    if (result.comparison) print(result.comparison.rows.length ? `${result.comparison.line}:\n${renderComparison(result.comparison.rows)}` : result.comparison.line);
    print(`report: ${dir}/summary.json (index.html, junit.xml beside it)`);
    if (o.json) process.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
    return exitFor[result.summary.verdict];
  } finally {
    offSignal();
  }
}
