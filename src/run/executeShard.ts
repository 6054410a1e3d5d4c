import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { ledgerForScenario } from '../ledger/ledger.js';
import { LedgerObserver } from '../ledger/ledgerObserver.js';
import { ChaosWindows } from '../load/chaosWindows.js';
import { runLoad } from '../load/loadEngine.js';
import { totalDurationMs } from '../load/scenario.js';
import type { ProgressSnapshot } from '../load/loadOptions.js';
import { partitionLabel, type SchedulePartition } from '../load/population/schedulePartition.js';
import { ShardLoad } from '../load/shardLoad.js';
import { readShardMap } from '../load/shardMap.js';
import { SecondHistograms } from '../scaleout/histogramCodec.js';
import { clusterShardsOf, partialFromLoad } from '../scaleout/partialFromLoad.js';
import { partialFileName, type PartialResult } from '../scaleout/partialResult.js';
import { clientNumbersOf, epochNow, WorkerPool } from '../scaleout/workerPool.js';
import { checkTargetReachable, resolveTarget } from '../target/resolveTarget.js';
import { targetKind } from '../target/targetRef.js';
import { durableWaitMs, type RunControl } from './executeRun.js';
import { partialRunOf } from './loadInWorkers.js';
import { checkPlan, type RunPlan } from './runPlan.js';

/** How far in the past a shared start may be when a shard begins (clocks differ, pods start late). */
export const startAtSlackMs = 5000;
/** Further ahead than this a start time is a mistake (a wrong date), not a plan. */
const startAtHorizonMs = 24 * 3600_000;

/** Whether `plan` can run as a shard starting at `startAtMs`; one line when not (exit 3). */
export function checkShard(plan: RunPlan, shard: SchedulePartition, startAtMs: number, now = Date.now()): void {
  checkPlan(plan);
  const what = `--shard ${partitionLabel(shard)}`;
  if (targetKind(plan.target) === 'embedded') throw new UserError(`${what}: every shard must load the same target: --target detached|FILE or the target flags, not an embedded topology of its own`);
  if (plan.experiment) throw new UserError(`${what}: chaos runs in one process that watches the whole load; run --chaos without --shard (--workers spreads the load over this machine's cores)`);
  if (plan.baseline) throw new UserError(`${what}: a shard has no verdict to compare; give --baseline to \`gauntlet merge\`'s run instead`);
  if (plan.monitoring) throw new UserError(`${what}: --monitoring watches one topology from one run; leave it off for shards`);
  if (!Number.isFinite(startAtMs)) throw new UserError('--start-at must be an ISO 8601 time such as 2030-01-01T12:00:00Z');
  if (startAtMs < now - startAtSlackMs) throw new UserError(`--start-at ${new Date(startAtMs).toISOString()} is ${Math.round((now - startAtMs) / 1000)} s in the past: the shards' schedules would not line up; give every shard a new start time a few minutes ahead`);
  if (startAtMs > now + startAtHorizonMs) throw new UserError(`--start-at ${new Date(startAtMs).toISOString()} is more than 24 h ahead`);
}

/**
 * One shard of a run: its share of the schedule, started at the shared `startAtMs` (wall clock,
 * so shards on several machines line up as well as their clocks do), against a target every
 * shard reaches. No verdict: it returns (and the CLI writes) a partial result, which
 * `gauntlet merge` adds to the other shards', verifies against the target and judges.
 */
export async function executeShard(plan: RunPlan, shard: SchedulePartition, startAtMs: number, control: RunControl = {}): Promise<PartialResult> {
  checkShard(plan, shard, startAtMs);
  const say = control.onProgress ?? (() => undefined);
  const signal = control.signal ?? new AbortController().signal;
  const scenario = plan.scenario;
  say({ kind: 'phase', phase: 'prepare-target', message: `shard ${partitionLabel(shard)}: reaching the target` });
  // A shard never changes the shared target's settings (durable mode's min-replicas-to-write is the deployment's).
  const target = await resolveTarget({ target: plan.target, allowDestructive: false });
  try {
    const redisVersion = await checkTargetReachable(target);
    if (target.topology) target.topology.dataPath = plan.dataPath === 'proxied' ? 'proxied' : 'direct';
    const dataPath = target.topology ? target.topology.dataPath : 'external';
    const run = partialRunOf(plan, target, redisVersion, new Date(startAtMs).toISOString(), dataPath);
    // The wall-clock start on the scale engines start their clocks on.
    const startAt = startAtMs - Date.now() + epochNow();
    const waitS = Math.max(0, Math.round((startAtMs - Date.now()) / 1000));
    say({ kind: 'phase', phase: 'load', message: `shard ${partitionLabel(shard)} of ${scenario.name}: ${waitS > 0 ? `starting at ${new Date(startAtMs).toISOString()} (in ${waitS} s)` : 'starting now'}` });
    const totalS = totalDurationMs(plan.scenario) / 1000;
    const onSecond = (p: ProgressSnapshot): void => say({ kind: 'second', snapshot: p, totalS });
    // A cluster: this process's operations per Cluster shard, for the merge to add up (with --workers, counted here from the workers' operation streams).
    const shardMap = await readShardMap(target);
    const clusterShards = shardMap ? new ShardLoad(shardMap) : null;
    const workers = plan.workers ?? 1;
    if (workers > 1) {
      const merged = await new WorkerPool(workers).run({ scenario, target, seed: plan.seed, run, shard, windows: new ChaosWindows(), observers: clusterShards ? [clusterShards] : [], signal, durableWaitMs: plan.writeMode === 'durable' ? durableWaitMs : null, startAt, onSecond });
      return clusterShards ? { ...merged.partial, load: { ...merged.partial.load, clusterShards: clusterShardsOf(clusterShards) } } : merged.partial;
    }
    const ledger = plan.verify ? ledgerForScenario(scenario) : null;
    const seconds = new SecondHistograms();
    const clientNumbers = clientNumbersOf(shard, scenario.clients.instances);
    const load = await runLoad({
      scenario: { ...scenario, clients: { ...scenario.clients, instances: clientNumbers.length } },
      target,
      seed: plan.seed,
      partition: shard,
      observers: [...(ledger ? [new LedgerObserver(ledger)] : []), ...(clusterShards ? [clusterShards] : [])],
      signal,
      clockStart: async () => startAt,
      onIntervalClosed: (t, totals) => void seconds.record(t, totals),
      onSecond,
      durableWaitMs: plan.writeMode === 'durable' ? durableWaitMs : null,
    });
    const abortReason = signal.aborted ? String(signal.reason ?? 'aborted') : null;
    return partialFromLoad({ run, part: { shard, worker: null }, label: `shard ${partitionLabel(shard)}`, load, seconds, ledger, abortReason, clientInstances: clientNumbers.length, clientNumber: (c) => clientNumbers[c] ?? c, clusterShards });
  } finally {
    await target.close();
  }
}

/** Writes a shard's partial result into its directory (atomically: a merge never reads half a file). */
export async function writePartial(dir: string, partial: PartialResult): Promise<string> {
  const out = resolve(dir);
  await mkdir(out, { recursive: true });
  const file = join(out, partialFileName);
  await writeFile(`${file}.tmp`, JSON.stringify(partial));
  await rename(`${file}.tmp`, file);
  return file;
}
