import { ExitCode, UserError } from '../../errors.js';
import { runLoad } from '../../load/loadEngine.js';
import { loadScenario } from '../../load/loadScenario.js';
import { applyOverrides, totalDurationMs } from '../../load/scenario.js';
import { buildSummary } from '../../report/buildSummary.js';
import { renderConsoleSummary } from '../../report/consoleSummary.js';
import { progressReporter } from '../../report/progressReporter.js';
import { newRunId, writeRunReport } from '../../report/writeRunReport.js';
import { checkTargetReachable, resolveTarget } from '../../target/resolveTarget.js';
import { onShutdownSignal } from '../shutdownSignals.js';

export interface RunOptions {
  scenario: string;
  sessions?: number;
  rate?: number;
  duration?: number;
  target?: string;
  out: string;
  seed: number;
  allowDestructive: boolean;
  quiet: boolean;
}

const exitFor = { pass: ExitCode.pass, fail: ExitCode.thresholdFailed, invalid: ExitCode.invalidRun } as const;

/** `gauntlet run`: load a scenario, bring up or reach the target, drive it, gate, report. */
export async function run(o: RunOptions): Promise<number> {
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  // Validate everything the user typed before starting any server.
  const loaded = await loadScenario(o.scenario);
  const scenario = applyOverrides(loaded.scenario, { sessions: o.sessions, loginRate: o.rate, durationMs: o.duration });
  const runId = newRunId(scenario.name);

  const abort = new AbortController();
  const offSignal = onShutdownSignal((signal) => {
    log(`\n${signal}: stopping the load, then writing the report (again to exit at once)`);
    abort.abort();
  });
  const target = await resolveTarget({ target: o.target, allowDestructive: o.allowDestructive, onProgress: log });
  try {
    if (abort.signal.aborted) throw new UserError('interrupted before the load started');
    const redisVersion = await checkTargetReachable(target);
    log(`target ${target.kind}${target.topology ? ` ${target.topology.id}` : ''} reachable (Redis ${redisVersion ?? '?'}); running ${scenario.name} for ${(totalDurationMs(scenario) / 1000).toFixed(0)} s`);
    const progress = progressReporter(process.stderr, totalDurationMs(scenario) / 1000);
    const load = await runLoad({ scenario, target, seed: o.seed, abortSignal: abort.signal, onSecond: o.quiet ? undefined : progress.update });
    if (!o.quiet) progress.done();
    const summary = buildSummary({ runId, scenario, scenarioSource: loaded.source, seed: o.seed, target: target.describe(), redisVersion, load });
    const dir = await writeRunReport(o.out, summary, load.recorder);
    console.log(renderConsoleSummary(summary));
    console.log(`report: ${dir}/summary.json`);
    return exitFor[summary.verdict];
  } finally {
    offSignal();
    await target.close();
  }
}
