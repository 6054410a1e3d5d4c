import type { Ledger } from '../ledger/ledger.js';
import { ChaosWindows } from '../load/chaosWindows.js';
import { loadNotStarted, type LoadResult } from '../load/loadResult.js';
import type { LoadEngineOptions } from '../load/loadOptions.js';
import type { Summary } from '../report/summarySchema.js';
import { scaleOutSummary } from '../scaleout/mergedRun.js';
import type { PartialRun } from '../scaleout/partialResult.js';
import { WorkersFailed, type WorkerPool } from '../scaleout/workerPool.js';
import type { Target } from '../target/target.js';
import type { RunPlan } from './runPlan.js';

export interface WorkerLoad {
  load: LoadResult;
  scaleOut: NonNullable<Summary['scaleOut']>;
  /** Why the load stopped early when a worker did (crashed, failed, went silent); null otherwise. */
  abortReason: string | null;
}

/** What every worker or shard of a run must agree on, from its plan and the target it reached. */
export function partialRunOf(plan: RunPlan, target: Target, redisVersion: string | null, startAt: string | null, dataPath: PartialRun['dataPath']): PartialRun {
  return {
    seed: plan.seed,
    scenario: plan.scenario,
    scenarioSource: plan.scenarioSource,
    writeMode: plan.writeMode,
    verify: plan.verify,
    startAt,
    target: target.describe(),
    redisVersion,
    dataPath,
    workers: plan.workers ?? 1,
  };
}

/**
 * The run's load in `pool`'s worker threads instead of this one: given the options this thread's
 * engine would get, it returns the same load, merged, and fills `ledger` with the workers'
 * ledgers. The app's clients live in the workers, so `prepare` gets none. Workers that all
 * failed leave a load that never started, and why.
 */
export async function loadInWorkers(pool: WorkerPool, o: LoadEngineOptions, run: PartialRun, ledger: Ledger | null): Promise<WorkerLoad> {
  const windows = o.windows ?? new ChaosWindows();
  try {
    const merged = await pool.run({
      scenario: o.scenario,
      target: o.target,
      seed: run.seed,
      run,
      windows,
      observers: o.observers ?? [],
      signal: o.signal ?? new AbortController().signal,
      durableWaitMs: o.durableWaitMs ?? null,
      prepare: async () => o.prepare?.([]),
      onClockStart: o.onClockStart,
      onSecond: o.onSecond,
    });
    if (ledger && merged.partial.ledger) {
      ledger.clear();
      ledger.addShard(merged.partial.ledger);
    }
    return { load: merged.load, scaleOut: scaleOutSummary(merged.generators, pool.workers, 1), abortReason: merged.partial.load.abortReason };
  } catch (e) {
    if (!(e instanceof WorkersFailed)) throw e;
    return { load: loadNotStarted(o.scenario, windows), scaleOut: { workers: pool.workers, shards: 1, generators: [] }, abortReason: e.message };
  }
}
