import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newHistogram, percentilesMs } from '../../src/load/latencyRecorder.js';
import type { Summary } from '../../src/report/summarySchema.js';
import { decodeHistogram } from '../../src/scaleout/histogramCodec.js';
import { partialFileName, partialResultSchema, type PartialResult } from '../../src/scaleout/partialResult.js';
import smoke from '../../scenarios/smoke.js';
import { experimentFile, isolatedHome, reportedSummary, runCli, runShards, smokeScenarioFile, useDetachedTopology, scratchDir } from './support.js';

isolatedHome();
const work = scratchDir('gauntlet-scale-out-');
const reports = join(work, 'reports');
// Budgets far above machine noise (two load workers share this machine's cores with the
// servers): only a planted problem or a broken merge can change a verdict.
const thresholds = { p99Ms: 250, perOperationP99Ms: 250, maxErrorRate: 0.01 };
const generator = { maxSchedulerLagP99Ms: 50, stallThresholdMs: 100, maxInFlight: 20_000, shortWait: 'block' };
// The smoke scenario without what the app decides from timing (a revoke-all, a replayed token):
// every login, think time, lifetime and successor comes from the schedule, so counts must match.
const scenario = smokeScenarioFile(work, 'scale-out', thresholds, { generator, session: { ...smoke.session, mix: { ...smoke.session.mix, revokeAll: 0 }, tokenReuseRate: 0 } });
const seed = '7';

async function runSummary(args: string[]): Promise<{ code: number; s: Summary; dir: string; stderr: string }> {
  const r = await runCli(['run', '--scenario', scenario, '--seed', seed, '--target', 'detached', '--out', reports, '--quiet', ...args], { timeoutMs: 180_000 });
  const { s, dir } = reportedSummary({ stdout: r.stdout, stderr: `(exit ${r.code})\n${r.stderr}` });
  return { code: r.code, s, dir, stderr: r.stderr };
}

const counts = (s: Summary) => ({
  intended: s.ops.intended,
  total: s.ops.total,
  outcomes: s.ops.outcomes,
  byOp: Object.fromEntries(Object.entries(s.latencyMs.byOp).map(([op, p]) => [op, p.count])),
});

const readPartial = (dir: string): PartialResult => partialResultSchema.parse(JSON.parse(readFileSync(join(dir, partialFileName), 'utf8')));

describe('workers and shards', { timeout: 900_000 }, () => {
  useDetachedTopology();
  let oneProcess: Summary | undefined;
  const shardDirs = [join(work, 'shard-0'), join(work, 'shard-1')];

  test('--workers 2 offers exactly the load --workers 1 offers for the same seed, and judges it the same', { timeout: 240_000 }, async () => {
    const one = await runSummary(['--workers', '1']);
    const two = await runSummary(['--workers', '2']);
    oneProcess = one.s;
    assert.equal(one.s.verdict, 'pass', one.s.verdictReason);
    assert.equal(two.s.verdict, one.s.verdict, two.s.verdictReason);
    assert.equal(two.code, one.code);
    assert.ok(one.s.ops.total > 500, `${one.s.ops.total} operations`);
    assert.deepEqual(counts(two.s), counts(one.s));
    assert.equal(two.s.ledger!.keysChecked, one.s.ledger!.keysChecked);
    assert.equal(two.s.ledger!.lost, 0);
    assert.equal(one.s.scaleOut ?? null, null);
    assert.deepEqual(two.s.scaleOut!.generators.map((g) => g.label), ['worker 1 of 2', 'worker 2 of 2']);
    // One timeline: each second's operations of both workers.
    assert.equal(two.s.timeseries.reduce((a, x) => a + x.ops, 0), two.s.ops.total);
  });

  test('two shards run as two processes and merged give the verdict, the counts and the histograms of one process', { timeout: 240_000 }, async () => {
    assert.ok(oneProcess, 'needs the one-process run of the test before');
    const { startAt, shards } = await runShards(shardDirs, ['--scenario', scenario, '--seed', seed]);
    for (const r of shards) assert.equal(r.code, 0, r.stdout + r.stderr);
    const parts = shardDirs.map(readPartial);
    assert.deepEqual(parts.map((p) => p.part.shard), [{ index: 0, count: 2 }, { index: 1, count: 2 }]);
    assert.equal(parts[0]!.load.startedAt.slice(0, 19), startAt.slice(0, 19), 'the shard waited for the shared start');

    const merge = await runCli(['merge', ...shardDirs, '--target', 'detached', '--out', reports, '--quiet'], { timeoutMs: 120_000 });
    const { s: merged, dir: mergedDir } = reportedSummary(merge);
    assert.equal(merged.verdict, oneProcess.verdict, merged.verdictReason);
    assert.equal(merge.code, 0);
    assert.deepEqual(counts(merged), counts(oneProcess));
    assert.equal(merged.ledger!.keysChecked, oneProcess.ledger!.keysChecked);
    assert.equal(merged.scaleOut!.shards, 2);

    // The merged histograms are the shards' added bucket by bucket: the same percentiles (within
    // HDR's 3 significant digits, here exactly) and the same percentile distribution file.
    const added = newHistogram();
    for (const p of parts) added.add(decodeHistogram(p.load.overall.latency));
    assert.deepEqual(merged.latencyMs.overall, percentilesMs(added));
    assert.equal(readFileSync(join(mergedDir, 'latency-overall.hgrm'), 'utf8'), added.outputPercentileDistribution(5, 1000));
    for (const [op, p] of Object.entries(merged.latencyMs.byOp)) {
      const h = newHistogram();
      for (const part of parts) {
        const t = part.load.byOp[op as keyof PartialResult['load']['byOp']];
        if (t) h.add(decodeHistogram(t.all.latency));
      }
      assert.deepEqual(p, percentilesMs(h), op);
      assert.equal(p.count, oneProcess.latencyMs.byOp[op]!.count, op);
    }
    const perSecond = new Map<number, number>();
    for (const p of parts) for (const x of p.load.seconds) perSecond.set(x.t, (perSecond.get(x.t) ?? 0) + x.ops);
    assert.deepEqual(merged.timeseries.map((x) => x.ops), [...perSecond.entries()].sort(([a], [b]) => a - b).map(([, n]) => n));
  });

  test('merge refuses parts that are not one whole run, in one line (exit 3)', { timeout: 120_000 }, async () => {
    const other = join(work, 'other-seed');
    cpSync(shardDirs[1]!, other, { recursive: true });
    const p = JSON.parse(readFileSync(join(other, partialFileName), 'utf8')) as PartialResult;
    p.run.seed = 8;
    writeFileSync(join(other, partialFileName), JSON.stringify(p));
    const cases: Array<[string[], RegExp]> = [
      [[shardDirs[0]!, shardDirs[0]!], /shard 0\/2 is given twice/],
      [[shardDirs[0]!], /shard 1\/2 missing: 2 shards make the run, 1 given/],
      [[shardDirs[0]!, other], /other-seed is not of the same run as .*shard-0: its seed is 8, not 7/],
      [[shardDirs[0]!, work], /partial\.json: not found/],
    ];
    for (const [dirs, message] of cases) {
      const r = await runCli(['merge', ...dirs, '--target', 'detached', '--out', reports, '--quiet']);
      assert.equal(r.code, 3, `${dirs.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const noTarget = await runCli(['merge', ...shardDirs, '--out', reports]);
    assert.equal(noTarget.code, 3);
    assert.match(noTarget.stderr, /merge verifies the shards' acknowledged writes on their target/);
  });

  test('a planted lost write is found when the load ran in workers', { timeout: 240_000 }, async () => {
    const planted = experimentFile(work, 'planted', { name: 'planted', description: 'planted loss', steps: [{ at: '60%', fault: { kind: 'delete-acknowledged-sessions', sessions: 3 } }], thresholds: {} });
    const { code, s } = await runSummary(['--workers', '2', '--chaos', planted]);
    const step = s.chaos.steps[0]!;
    assert.equal(step.outcome, 'completed', step.detail);
    const deleted = step.detail.split(': ')[1]!.split(' ').sort();
    assert.equal(deleted.length, 3);
    assert.equal(s.ledger!.lost, 3, JSON.stringify(s.ledger!.examples));
    assert.deepEqual(s.ledger!.examples.filter((e) => e.kind === 'lost').map((e) => e.key).sort(), deleted);
    assert.equal(s.verdict, 'fail');
    assert.equal(code, 1);
  });

  test('usage mistakes are one line and exit 3, before anything starts', { timeout: 60_000 }, async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const cases: Array<[string[], RegExp]> = [
      [['--workers', '64'], /--workers 64: this machine has \d+ cores?/],
      [['--shard', '0/2'], /--shard 0\/2 needs --start-at/],
      [['--shard', '2/2', '--start-at', past], /--shard: I must be below N/],
      [['--shard', '0/2', '--start-at', past], /--start-at .* is \d+ s in the past: the shards. schedules would not line up/],
      [['--start-at', past], /--start-at is the shared start of a sharded run's shards/],
      [['--workers', '2', '--chaos', 'rotate-app-password'], /reconfigures the app's clients, which run inside the workers/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--out', reports, ...args]);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
