import { readFile } from 'node:fs/promises';
import { firstLine, UserError } from '../../errors.js';
import { firstIssue } from '../../inputValidation.js';
import { loadScenario } from '../../load/loadScenario.js';
import { newRunId } from '../../report/writeRunReport.js';
import { targetKind } from '../../target/targetRef.js';
import { checkWorkers } from '../../run/runPlan.js';
import type { CapacityStep } from '../../capacity/capacitySchema.js';
import { runSweep } from '../../capacity/runSweep.js';
import { defaultSizingInput, sizingInputSchema, type SizingInput } from '../../capacity/sizing.js';
import { capacityDir, writeCapacityReport, writeStepRun } from '../../capacity/writeCapacityReport.js';
import { onShutdownSignal } from '../shutdownSignals.js';
import { checkedTarget, type TargetFlags } from '../targetFlags.js';

export interface CapacityOptions extends TargetFlags {
  scenario: string;
  workers: number;
  from?: number;
  factor: number;
  stepDuration: number;
  p99Precision: number;
  maxSteps: number;
  sizing?: string;
  dataPath: 'auto' | 'direct' | 'proxied';
  seed: number;
  out: string;
  quiet: boolean;
}

const n = (x: number, digits = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: digits });

/** One progress line per judged step. */
export function stepLine(s: CapacityStep): string {
  const mem = s.memory.bytesPerSession === null ? '' : `, ${n(s.memory.bytesPerSession)} B/session`;
  const verdict = s.result === 'within' ? 'within budget' : s.result === 'over' ? 'OVER BUDGET' : s.result === 'harness-limit' ? 'HARNESS LIMIT' : 'interrupted';
  const why = s.reasons.length && s.result !== 'within' ? `: ${s.reasons.join('; ')}` : '';
  return `step ${s.index} (${s.phase}) ${n(s.offeredRate)} ops/s offered, ${n(s.achievedRate)} achieved, ${n(s.sessions)} sessions, hold ${n(s.holdMs / 1000)} s: p99 ${s.latencyMs.p99} ms [${s.p99Interval.lowMs}-${s.p99Interval.highMs}${s.p99Interval.stable ? '' : ', not stable'}], p99.9 ${s.latencyMs.p999} ms, errors ${(s.errorRate * 100).toFixed(3)} %, completed/intended ${s.throughputRatio.toFixed(3)}, generator CPU ${s.generator.cpuPercentMean} % (max ${s.generator.cpuPercentMax} %)${mem}: ${verdict}${why}`;
}

async function readSizing(file: string | undefined): Promise<SizingInput> {
  if (!file) return defaultSizingInput;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UserError(`--sizing ${file}: ${firstLine(e)}`);
  }
  const parsed = sizingInputSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(`--sizing ${file}: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/** `gauntlet capacity`: check the request, sweep, write capacity.json and the page, exit by where the knee lies. */
export async function capacity(o: CapacityOptions): Promise<number> {
  const log = (line: string): void => {
    if (!o.quiet) process.stderr.write(`${line}\n`);
  };
  if (!(o.factor > 1)) throw new UserError(`--factor must be above 1 (each step offers this many times the last), got ${o.factor}`);
  checkWorkers(o.workers, null);
  const target = await checkedTarget(o);
  if (targetKind(target) === 'external' && o.dataPath !== 'auto') throw new UserError('--data-path chooses how app traffic reaches our own topology; an external target is reached as its file says');
  const { scenario, source } = await loadScenario(o.scenario);
  const sizing = await readSizing(o.sizing);
  const runId = newRunId(`${scenario.name}-capacity`);
  const dir = capacityDir(o.out, runId);
  const abort = new AbortController();
  const offSignal = onShutdownSignal((signal) => {
    log(`\n${signal}: stopping the step under way, then writing what was measured (again to exit at once)`);
    abort.abort(signal);
  });
  try {
    const result = await runSweep(
      { runId, scenario, scenarioSource: source, target, dataPath: o.dataPath, seed: o.seed, workers: o.workers, from: o.from, factor: o.factor, stepDurationMs: o.stepDuration, p99Precision: o.p99Precision / 100, maxSteps: o.maxSteps, sizing, sizingSource: o.sizing ?? null },
      {
        signal: abort.signal,
        onNote: log,
        onStep: async (step, run) => {
          await writeStepRun(dir, run.summary);
          process.stdout.write(`${stepLine(step)}\n`);
        },
      },
    );
    await writeCapacityReport(dir, result);
    process.stdout.write(`${result.outcome.line}\n`);
    process.stdout.write(`report: ${dir}/capacity.json (index.html beside it)\n`);
    return result.outcome.exitCode;
  } finally {
    offSignal();
  }
}
