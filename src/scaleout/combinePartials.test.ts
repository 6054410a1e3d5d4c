import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from '../ledger/ledger.js';
import { latencyFigures, newHistogram } from '../load/latencyRecorder.js';
import type { OperationEvent } from '../load/operationEvent.js';
import { operationNames, parseScenario, type OperationName } from '../load/scenario.js';
import { ShardLoad } from '../load/shardLoad.js';
import { ShardMap } from '../load/shardMap.js';
import { TailAttribution } from '../load/tailAttribution.js';
import { combinePartials, whyNotWhole, type SourcedPartial } from './combinePartials.js';
import { decodeHistogram, encodeHistogram } from './histogramCodec.js';
import { mergedRun } from './mergedRun.js';
import { clusterShardsOf } from './partialFromLoad.js';
import { partialFormat, partialFormatVersion, partialResultSchema, type GeneratorPart, type PartialResult } from './partialResult.js';

const scenario = parseScenario(
  {
    name: 'merge', description: '', stages: [{ name: 'hold', duration: '5s', sessions: 10 }],
    session: { thinkTime: { distribution: 'constant', ms: 1000 }, mix: { request: 1, refresh: 1, oauth: 0, revokeAll: 0 }, meanLifetime: '1h', ttl: { session: '1h', refreshToken: '1h', oauthState: '1h' } },
    clients: { instances: 2 }, thresholds: { p99Ms: 10, maxErrorRate: 0.01 },
  },
  'test',
);

interface Op {
  op: OperationName;
  second: number;
  latencyUs: number;
  serviceUs: number;
  error: boolean;
}

/** Synthetic operations, spread over 5 seconds and four types, latencies from 100 µs to 50 ms. */
function operations(n: number, salt: number): Op[] {
  return Array.from({ length: n }, (_, i) => {
    const x = ((i + 1) * 2654435761 + salt * 40503) >>> 0;
    const latencyUs = 100 + (x % 50_000) * ((x >>> 20) % 3 === 0 ? 1 : 0.1);
    return { op: operationNames[x % 4]!, second: 1 + (x % 5), latencyUs: Math.round(latencyUs), serviceUs: Math.round(latencyUs * 0.8), error: x % 97 === 0 };
  });
}

const generator = (label: string, process: string, saturated: boolean, stalledAt: number): GeneratorPart => ({
  label,
  process,
  health: {
    schedulerLagMs: { p99: saturated ? 3 : 0.2, max: 4 }, schedulerLagOutsideChaosMs: { p99: saturated ? 3 : 0.2, max: 4 }, maxSchedulerLagP99Ms: 1, eventLoopDelayMs: { p99: 1, max: 2 },
    gc: { count: 3, scavenges: 3, markCompacts: 0, maxMs: 1.5, totalMs: 3, over2Ms: 0 }, stalledSeconds: 1, stallThresholdMs: 2.5, cpuPercent: { mean: 50, max: 60 }, rssMb: { start: 100, peak: 120 },
    saturated, reason: saturated ? 'scheduler lag p99 3 ms outside chaos windows exceeds 1 ms' : null,
  },
  seconds: [1, 2, 3, 4, 5].map((t) => ({ t, schedulerLagP99Ms: 0.2, schedulerLagMaxMs: 0.5, eventLoopDelayP99Ms: 1, eventLoopDelayMaxMs: 1, gcPauses: 1, gcMaxMs: 1, cpuPercent: 40, rssMb: 110, inChaosWindow: false, stalled: t === stalledAt })),
});

/** A partial result of these operations, built the way a worker's recorder would hold them. */
function partialOf(ops: readonly Op[], part: PartialResult['part'], gen: GeneratorPart, ledger: Ledger | null, seed = 42): PartialResult {
  const h = () => ({ latency: newHistogram(), service: newHistogram() });
  const byOp = new Map(operationNames.map((name) => [name, { ...h(), ok: 0, errors: 0 }]));
  const overall = h();
  const seconds = new Map([1, 2, 3, 4, 5].map((t) => [t, { ...h(), ops: 0, errors: 0 }]));
  const tail = new TailAttribution();
  const errorKinds: Record<string, number> = {};
  for (const o of ops) {
    const t = byOp.get(o.op)!;
    for (const into of [t, overall, seconds.get(o.second)!]) {
      into.latency.recordValue(o.latencyUs);
      into.service.recordValue(o.serviceUs);
    }
    tail.record(o.latencyUs, 0, o.latencyUs - o.serviceUs, o.serviceUs);
    seconds.get(o.second)!.ops++;
    if (o.error) {
      t.errors++;
      seconds.get(o.second)!.errors++;
      errorKinds.timeout = (errorKinds.timeout ?? 0) + 1;
    } else t.ok++;
  }
  const enc = (p: ReturnType<typeof h>) => ({ latency: encodeHistogram(p.latency), service: encodeHistogram(p.service) });
  return {
    format: partialFormat,
    version: partialFormatVersion,
    gauntletVersion: '0.1.0',
    run: { seed, scenario, scenarioSource: 'test', writeMode: 'async', verify: ledger !== null, startAt: null, target: { kind: 'detached', masterName: 'm', sentinels: [], endpoint: null, topologyId: null, tls: false, settings: null }, redisVersion: '7.0.15', dataPath: 'direct', workers: 1 },
    part,
    load: {
      startedAt: '2030-01-01T00:00:00.000Z', durationMs: 5000, aborted: false, abortReason: null, intendedOps: ops.length, outcomes: { ok: ops.filter((o) => !o.error).length }, peakConcurrentSessions: 5, clientInstances: 1,
      byOp: Object.fromEntries([...byOp].filter(([, t]) => t.ok + t.errors > 0).map(([name, t]) => [name, { ok: t.ok, errors: t.errors, all: enc(t), outside: enc(t) }])),
      overall: enc(overall), outsideOverall: enc(overall), outsideHealthy: enc(overall), excluded: { ops: 0, errors: 0 }, errorKinds, tail: tail.buckets(),
      seconds: [...seconds].map(([t, s]) => ({ t, ops: s.ops, errors: s.errors, sessions: 5, ...enc(s) })),
      windows: [], generators: [gen], memory: { startBytes: 1000, peakBytes: 2000, samples: [], notMeasured: null }, clientEnds: { count: 0, first: [] },
    },
    ledger: ledger ? ledger.toShard() : null,
  };
}

const ttl = { sessionMs: 60_000, refreshTokenMs: 60_000, oauthStateMs: 60_000 };
const shard = (index: number, count: number) => ({ shard: { index, count }, worker: null });
const worker = (index: number, count: number) => ({ shard: { index: 0, count: 1 }, worker: { index, count } });
const sourced = (partial: PartialResult, k: number): SourcedPartial => ({ source: `shard-${k}`, partial: partialResultSchema.parse(JSON.parse(JSON.stringify(partial))) });

test('three shards merged give exactly the figures of one process that did all their operations', () => {
  const parts = [operations(3000, 1), operations(2000, 2), operations(2500, 3)];
  const ledgers = parts.map((_, k) => {
    const l = new Ledger(ttl);
    l.loginAcked('u1', `s${k}`, `f${k}`, 't', Date.now());
    return l;
  });
  const whole = partialOf(parts.flat(), shard(0, 1), generator('one process', 'h:1', false, 2), null);
  const merged = combinePartials(parts.map((ops, k) => sourced(partialOf(ops, shard(k, 3), generator(`shard ${k}/3`, `h:${k}`, k === 1, k === 0 ? 2 : 4), ledgers[k]!), k)), { index: 0, count: 1 });
  const a = mergedRun(merged);
  const b = mergedRun(whole);
  assert.deepEqual(latencyFigures(a.load.recorder, false), latencyFigures(b.load.recorder, false));
  assert.equal(a.load.recorder.totalOps, 7500);
  assert.equal(a.load.intendedOps, 7500);
  for (const name of ['overall', 'request', 'refresh'] as const) assert.equal(a.load.recorder.hgrm(name), b.load.recorder.hgrm(name), name);
  // Timelines: each second's p99 from the added histograms, never an average of the shards' p99s.
  assert.deepEqual(a.load.recorder.intervals, b.load.recorder.intervals);
  assert.deepEqual(a.load.sessionsPerSecond, [15, 15, 15, 15, 15]);
  assert.deepEqual(a.load.recorder.tail.buckets(), b.load.recorder.tail.buckets());
  assert.deepEqual(Object.fromEntries(a.load.recorder.errorKinds), Object.fromEntries(b.load.recorder.errorKinds));
  // Generators: the one that fell behind is named; seconds in which any stalled are stalled.
  assert.equal(a.load.generator.saturated, true);
  assert.match(a.load.generator.reason!, /^shard 1\/3: scheduler lag p99 3 ms/);
  assert.equal(a.load.generator.stalledSeconds, 2);
  assert.equal(a.load.generatorSeconds[0]!.cpuPercent, 120, 'three processes: their CPU adds up');
  assert.equal(a.generators.length, 3);
  assert.deepEqual([...a.ledger!.records.keys()].sort(), ['s0', 's1', 's2']);
});

test('the merge is not a shortcut: two of three shards do not give the whole, and an averaged p99 is not the merged one', () => {
  const parts = [operations(3000, 1), operations(300, 2)];
  const slow = parts[1]!.map((o) => ({ ...o, latencyUs: o.latencyUs * 40 }));
  const whole = mergedRun(partialOf([...parts[0]!, ...slow], shard(0, 1), generator('x', 'h', false, 0), null));
  const each = [parts[0]!, slow].map((ops) => mergedRun(partialOf(ops, shard(0, 1), generator('x', 'h', false, 0), null)));
  const averaged = (latencyFigures(each[0]!.load.recorder, false).overall.p99 + latencyFigures(each[1]!.load.recorder, false).overall.p99) / 2;
  assert.notEqual(latencyFigures(whole.load.recorder, false).overall.p99, averaged);
  assert.notDeepEqual(latencyFigures(each[0]!.load.recorder, false), latencyFigures(whole.load.recorder, false));
});

test('workers of one process: CPU and memory read for the whole process are not added up', () => {
  const merged = combinePartials([0, 1].map((k) => ({ source: `worker ${k}`, partial: partialOf(operations(100, k), worker(k, 2), generator(`worker ${k + 1} of 2`, 'h:7', false, 0), null) })), { index: 0, count: 1 });
  const m = mergedRun(merged);
  assert.equal(m.load.generatorSeconds[0]!.cpuPercent, 40);
  assert.equal(m.load.generator.rssMb.peak, 120);
  assert.equal(m.load.generator.saturated, false);
  assert.equal(merged.part.worker, null);
});

test("each generator's wait for a CPU is its own thread's: the merge keeps the worst, and a part that could not measure it (or was written before it was kept) does not hide another's", () => {
  const waiting = (k: number, wait: number | null | undefined): GeneratorPart => {
    const g = generator(`worker ${k + 1} of 2`, 'h:7', false, 0);
    const health = { ...g.health, cpuWaitMs: wait === undefined ? undefined : wait === null ? null : { meanPerSecond: wait / 2, maxPerSecond: wait } };
    return { ...g, health, seconds: g.seconds.map((s) => ({ ...s, cpuWaitMs: wait })) };
  };
  const merge = (a: number | null | undefined, b: number | null | undefined) =>
    mergedRun(combinePartials([a, b].map((w, k) => ({ source: `worker ${k}`, partial: partialOf(operations(100, k), worker(k, 2), waiting(k, w), null) })), { index: 0, count: 1 })).load;
  const both = merge(12, 30);
  assert.deepEqual(both.generator.cpuWaitMs, { meanPerSecond: 15, maxPerSecond: 30 });
  assert.equal(both.generatorSeconds[0]!.cpuWaitMs, 30);
  assert.deepEqual(merge(null, 8).generator.cpuWaitMs, { meanPerSecond: 4, maxPerSecond: 8 });
  assert.equal(merge(undefined, 8).generatorSeconds[0]!.cpuWaitMs, 8);
  assert.equal(merge(null, undefined).generator.cpuWaitMs, null);
  assert.equal(merge(null, null).generatorSeconds[0]!.cpuWaitMs, null);
});

test('parts that are not one whole run are refused, each naming what is wrong', () => {
  const gen = generator('g', 'h', false, 0);
  const p = (part: PartialResult['part'], seed = 42, ledger: Ledger | null = null) => partialOf(operations(10, 1), part, gen, ledger, seed);
  const why = (parts: PartialResult[]) => whyNotWhole(parts.map((x, k) => ({ source: `dir${k}`, partial: x })), { index: 0, count: 1 });
  assert.equal(why([p(shard(0, 2)), p(shard(1, 2))]), null);
  assert.match(why([p(shard(0, 2)), p(shard(1, 2), 43)])!, /dir1 is not of the same run as dir0: its seed is 43, not 42/);
  assert.match(why([p(shard(0, 3)), p(shard(1, 3))])!, /shard 2\/3 missing: 3 shards make the run, 2 given/);
  assert.match(why([p(shard(0, 2)), p(shard(0, 2))])!, /shard 0\/2 is given twice: dir0 and dir1/);
  assert.match(why([p(shard(0, 2)), p(shard(1, 3))])!, /dir1 is shard 1\/3 but dir0 is shard 0\/2: the parts split the run differently/);
  assert.match(why([p(shard(0, 2)), p(worker(1, 2))])!, /dir1 is one worker's part of shard 0\/1, not a whole shard/);
  const other = p(shard(1, 2));
  other.run.scenario = { ...other.run.scenario, thresholds: { ...other.run.scenario.thresholds, p99Ms: 20 } };
  assert.match(why([p(shard(0, 2)), other])!, /its scenario settings \(stages, mix, think times, thresholds\) is different/);
  assert.match(why([p(shard(0, 2), 42, new Ledger(ttl)), p(shard(1, 2))])!, /dir1 is not of the same run as dir0: its verification is off/);
  // Every part of a verifying run without its ledger (written by hand, or by another version): refused, not judged without the ledger's gates.
  const verifying = (part: PartialResult['part']): PartialResult => ({ ...p(part, 42, new Ledger(ttl)), ledger: null });
  assert.match(why([verifying(shard(0, 2)), verifying(shard(1, 2))])!, /dir0 has no ledger though the run verifies/);
  const withLedger = { ...p(shard(0, 2)), ledger: new Ledger(ttl).toShard() };
  assert.match(why([withLedger, p(shard(1, 2))])!, /dir1 has no ledger though another part has one/);
  assert.throws(() => combinePartials([{ source: 'a', partial: p(shard(0, 2)) }], { index: 0, count: 1 }), /shard 1\/2 missing/);
});

test('a partial result survives its file: the schema reads back what a part wrote', () => {
  const written = partialOf(operations(50, 9), shard(1, 2), generator('g', 'h', false, 0), new Ledger(ttl));
  const read = partialResultSchema.parse(JSON.parse(JSON.stringify(written)));
  assert.equal(decodeHistogram(read.load.overall.latency).totalCount, 50);
  assert.equal(partialResultSchema.safeParse({ ...written, load: { ...written.load, overall: { latency: '', service: '' } } }).success, false);
});

test("a chaos run in workers: the steady state's throughput counts the parts' intended and succeeded actions of the seconds clear of the windows", () => {
  const withWindow = (p: PartialResult, intended: number[], ok: number[]): PartialResult => ({ ...p, load: { ...p.load, windows: [{ label: 'fault', startMs: 2500, endMs: 3500, ops: 0, errors: 0 }], intendedBySecond: intended, okBySecond: ok } });
  const parts = [
    withWindow(partialOf(operations(100, 1), worker(0, 2), generator('worker 1 of 2', 'h:7', false, 0), null), [0, 10, 10, 10, 10, 10], [0, 10, 9, 10, 10, 10]),
    withWindow(partialOf(operations(100, 2), worker(1, 2), generator('worker 2 of 2', 'h:7', false, 0), null), [0, 5, 5, 5, 5, 5, 5], [0, 5, 5, 5, 4, 5, 5]),
  ];
  const merged = combinePartials(parts.map(sourced), { index: 0, count: 1 });
  assert.deepEqual(merged.load.intendedBySecond, [0, 15, 15, 15, 15, 15, 5]);
  // Seconds 1-3 touch the window (a second is clear only if it and the next are); 4, 5 and 6 count.
  const f = latencyFigures(mergedRun(merged).load.recorder, true);
  assert.deepEqual([f.outsideChaos?.intended, f.outsideChaos?.succeeded], [35, 34]);
  // Parts without the counts (written before they were kept) leave nothing to count: the gate's 0 of 0.
  const bare = combinePartials(parts.map((p, k) => sourced({ ...p, load: { ...p.load, intendedBySecond: undefined, okBySecond: undefined } }, k)), { index: 0, count: 1 });
  assert.equal(latencyFigures(mergedRun(bare).load.recorder, true).outsideChaos?.intended, 0);
});

test("a Cluster's per-shard figures over two parts: counts added, each shard's p99 the one histogram of both parts' operations would give", () => {
  const map = new ShardMap([{ name: 'shard-0 (0-8191)', ranges: [[0, 8191]] }, { name: 'shard-1 (8192-16383)', ranges: [[8192, 16383]] }]);
  const session = (uid: string) => ({ uid, sid: 's', family: 'f', token: 't', previousToken: null, version: 1, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null });
  /** Operations of `users` users; the second part's are slow on shard-1 only (a struck shard seen by one generator). */
  const feed = (into: ShardLoad[], users: number, salt: string, slowMs: number) => {
    for (let i = 0; i < users; i++) {
      const uid = `${salt}${i.toString(36)}`;
      const doneMs = map.ofUser(uid) === 1 ? slowMs * (1 + (i % 7) / 7) : 1 + (i % 5) / 5;
      const e: OperationEvent = { session: session(uid), client: 0, action: 'request', intendedMs: 0, readyMs: 0, sentMs: 0, doneMs, second: 1, outcome: 'ok', error: i % 31 === 0 ? 'timeout' : null };
      for (const l of into) l.onOperation(e);
    }
    // An OAuth begin that failed before its nonce was kept: no shard to name.
    for (const l of into) l.onOperation({ session: session('x'), client: 0, action: 'oauthBegin', intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: 1, second: 1, outcome: 'ok', error: 'timeout' });
  };
  const a = new ShardLoad(map);
  const b = new ShardLoad(map);
  const both = new ShardLoad(map);
  feed([a, both], 1500, 'a', 2);
  feed([b, both], 300, 'b', 80);
  const withShards = (l: ShardLoad, k: number): SourcedPartial => {
    const p = partialOf(operations(100, k), shard(k, 2), generator(`shard ${k}/2`, `h:${k}`, false, 0), null);
    return sourced({ ...p, load: { ...p.load, clusterShards: clusterShardsOf(l) } }, k);
  };
  const merged = combinePartials([withShards(a, 0), withShards(b, 1)], { index: 0, count: 1 });
  const shards = mergedRun(merged).shards!;
  assert.deepEqual(shards.byShard.map((x) => x.ops), [0, 1].map((k) => a.counts()[k]!.ops + b.counts()[k]!.ops));
  assert.deepEqual(shards.byShard.map((x) => x.errors), [0, 1].map((k) => a.counts()[k]!.errors + b.counts()[k]!.errors));
  assert.equal(shards.unattributedOps, 2);
  // Every percentile and the maximum (each its bucket's top) are the one histogram's of both parts' operations...
  assert.deepEqual(shards.byShard, both.figures());
  assert.ok(shards.byShard[1]!.latencyMs.p99 > 100 && shards.byShard[0]!.latencyMs.p99 < 2, JSON.stringify(shards.byShard));
  // ...which no average of the parts' p99s gives: part b is few operations, all slow on shard-1.
  const averaged = (a.figures()[1]!.latencyMs.p99 + b.figures()[1]!.latencyMs.p99) / 2;
  assert.ok(Math.abs(shards.byShard[1]!.latencyMs.p99 - averaged) > 1, `${shards.byShard[1]!.latencyMs.p99} vs averaged ${averaged}`);
  // A part that did not count them (a worker whose parent counts them) leaves the run without per-shard figures, not with a share of them.
  const without = combinePartials([withShards(a, 0), sourced(partialOf(operations(100, 1), shard(1, 2), generator('shard 1/2', 'h:1', false, 0), null), 1)], { index: 0, count: 1 });
  assert.equal(mergedRun(without).shards, null);
});
