import { attributeLatency } from '../attribution/latencyAttribution.js';
import type { ServerTime } from '../attribution/serverTime.js';
import { UserError } from '../errors.js';
import { combinePartials, PartialMismatch } from '../scaleout/combinePartials.js';
import { mergedRun, scaleOutSummary } from '../scaleout/mergedRun.js';
import { readPartial } from '../scaleout/partialResult.js';
import { newRunId } from '../report/writeRunReport.js';
import { checkTargetReachable, resolveTarget } from '../target/resolveTarget.js';
import type { TargetDescription } from '../target/target.js';
import { targetKind, type TargetRef } from '../target/targetRef.js';
import { report, type RunControl } from './executeRun.js';
import type { RunResult } from './runResult.js';
import { verifyOnMaster, type LedgerVerification } from './verifyWrites.js';

export interface MergeRequest {
  /** The shards' --out directories, one per shard. */
  dirs: readonly string[];
  /** The target the shards ran against (to verify their ledgers on): detached[:id], a target file or inline flags. */
  target: TargetRef | undefined;
}

const notSampled: ServerTime = {
  measured: false,
  why: 'a sharded run does not sample the server during the load (each shard sees only its share)',
  perCommand: [], latencyEvents: [], latencyThresholdMs: null, forks: 0, latestForkUs: 0, aofDelayedFsync: 0, perSecond: [],
};

/** Whether the target given to the merge is the one the shards loaded. */
function sameTarget(a: TargetDescription, b: TargetDescription): boolean {
  return a.kind === b.kind && a.masterName === b.masterName && a.endpoint === b.endpoint && a.topologyId === b.topologyId && [...a.sentinels].sort().join() === [...b.sentinels].sort().join();
}

/**
 * The shards of one run as one run: their partial results checked to be exactly the shares of
 * one run (same seed, settings and shard count, every shard once), added together (histograms,
 * counts, timelines, ledgers), the ledger verified against the target, and judged with the same
 * gates as any run. Parts that do not belong together, or a target other than the shards', are a
 * user error in one line.
 */
export async function executeMerge(r: MergeRequest, control: RunControl = {}): Promise<RunResult> {
  const say = control.onProgress ?? (() => undefined);
  // Read together, reported in the order given: the first bad directory named is the first listed.
  const read = await Promise.allSettled(r.dirs.map(readPartial));
  const parts = read.map((x, i) => {
    if (x.status === 'rejected') throw x.reason;
    return { source: r.dirs[i]!, partial: x.value };
  });
  let whole;
  try {
    whole = combinePartials(parts, { index: 0, count: 1 });
  } catch (e) {
    if (e instanceof PartialMismatch) throw new UserError(e.message);
    throw e;
  }
  const run = whole.run;
  const merged = mergedRun(whole);
  const shards = parts[0]!.partial.part.shard.count;
  say({ kind: 'phase', phase: 'judge', message: `merged ${shards} shard${shards === 1 ? '' : 's'} of ${run.scenario.name} (seed ${run.seed}): ${merged.load.recorder.totalOps} operations` });
  let verification: LedgerVerification | null = null;
  let redisVersion = run.redisVersion;
  if (run.verify && merged.ledger) {
    if (r.target === undefined || targetKind(r.target) === 'embedded') throw new UserError('merge verifies the shards\' acknowledged writes on their target: give it as the shards did (--target detached|FILE or the target flags), or run the shards with --no-verify');
    const target = await resolveTarget({ target: r.target, allowDestructive: false });
    try {
      if (!sameTarget(target.describe(), run.target)) throw new UserError(`the target given to merge (${target.describe().kind} ${target.describe().topologyId ?? target.describe().endpoint ?? target.describe().sentinels.join(',')}) is not the one the shards loaded (${run.target.kind} ${run.target.topologyId ?? run.target.endpoint ?? run.target.sentinels.join(',')})`);
      redisVersion = (await checkTargetReachable(target)) ?? redisVersion;
      say({ kind: 'phase', phase: 'verify', message: `verifying ${merged.ledger.records.size} sessions' acknowledged writes on the current master` });
      verification = await verifyOnMaster(target, merged.ledger);
    } finally {
      await target.close();
    }
  }
  const attribution = merged.load.recorder.totalOps > 0 ? attributeLatency({ load: merged.load, thresholds: run.scenario.thresholds, server: notSampled, dataPath: run.dataPath, proxy: null }) : null;
  const plan = {
    runId: newRunId(run.scenario.name), scenario: run.scenario, scenarioSource: run.scenarioSource, experiment: null, seed: run.seed, target: r.target, tls: undefined,
    allowDestructive: false, writeMode: run.writeMode, verify: run.verify, monitoring: false, metricsPort: undefined, baseline: null, workers: run.workers,
  };
  return report(plan, {
    target: run.target, redisVersion, load: merged.load, chaos: null, failover: null, verification, attribution, alerts: null, slowLog: null, shards: merged.shards,
    abortReason: whole.load.abortReason, scaleOut: scaleOutSummary(merged.generators, run.workers, shards),
  });
}
