import { Ledger } from '../ledger/ledger.js';
import { operationNames } from '../load/scenario.js';
import { TailAttribution } from '../load/tailAttribution.js';
import { partitionLabel, type SchedulePartition } from '../load/population/schedulePartition.js';
import { groupBySecond } from './groupBySecond.js';
import { addEncoded } from './histogramCodec.js';
import type { PartialLoad, PartialResult } from './partialResult.js';

/** A partial result and where it came from (a shard's directory, "worker 2"), for messages. */
export interface SourcedPartial {
  source: string;
  partial: PartialResult;
}

/** JSON with keys sorted: equal settings compare equal whatever order their fields were written in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x));
}

/** What must be equal in every part of one run, each with the words a message names it by. */
const runFields: Array<[string, (p: PartialResult) => unknown]> = [
  ['gauntlet version', (p) => p.gauntletVersion],
  ['seed', (p) => p.run.seed],
  ['scenario', (p) => p.run.scenario.name],
  ['scenario settings (stages, mix, think times, thresholds)', (p) => p.run.scenario],
  ['write mode', (p) => p.run.writeMode],
  ['verification', (p) => (p.run.verify ? 'on' : 'off (--no-verify)')],
  ['start time', (p) => p.run.startAt],
  ['target', (p) => p.run.target],
  ['data path', (p) => p.run.dataPath],
  ['workers per shard', (p) => p.run.workers],
];

const show = (v: unknown): string => (typeof v === 'object' && v !== null ? 'different' : String(v));

/**
 * Why `parts` are not exactly the shares of `whole` (one shard of a run from its workers, or the
 * whole run from its shards), in one line naming what is wrong, or null when they are.
 */
export function whyNotWhole(parts: readonly SourcedPartial[], whole: SchedulePartition, allowMissing = false): string | null {
  if (parts.length === 0) return 'no partial results given';
  const first = parts[0]!;
  for (const p of parts.slice(1)) {
    for (const [name, get] of runFields) {
      const a = get(first.partial);
      const b = get(p.partial);
      if (canonical(a) !== canonical(b)) return `${p.source} is not of the same run as ${first.source}: its ${name} is ${show(b)}, not ${show(a)}`;
    }
  }
  // Workers' parts make a shard (or a one-machine run); whole shards make the run.
  const word = parts.every((p) => p.partial.part.worker !== null) ? 'worker' : 'shard';
  const level = (p: PartialResult): SchedulePartition => p.part.worker ?? p.part.shard;
  for (const p of parts) {
    if (word === 'shard' && p.partial.part.worker !== null) return `${p.source} is one worker's part of shard ${partitionLabel(p.partial.part.shard)}, not a whole shard`;
    if (word === 'worker' && canonical(p.partial.part.shard) !== canonical(whole)) return `${p.source} is part of shard ${partitionLabel(p.partial.part.shard)}, not of ${partitionLabel(whole)}`;
  }
  if (word === 'shard' && whole.count !== 1) return `shards make a whole run, not shard ${partitionLabel(whole)}`;
  const count = level(first.partial).count;
  const other = parts.find((p) => level(p.partial).count !== count);
  if (other) return `${other.source} is ${word} ${partitionLabel(level(other.partial))} but ${first.source} is ${word} ${partitionLabel(level(first.partial))}: the parts split the run differently`;
  const seen = new Map<number, string>();
  for (const p of parts) {
    const i = level(p.partial).index;
    const twice = seen.get(i);
    if (twice !== undefined) return `${word} ${i}/${count} is given twice: ${twice} and ${p.source}`;
    seen.set(i, p.source);
  }
  const missing = [...Array(count).keys()].filter((i) => !seen.has(i));
  if (missing.length > 0 && !allowMissing) return `${word}${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: ${count} ${word}s make the run, ${parts.length} given`;
  // A verifying run keeps a ledger in every part: without one, nothing it acknowledged could be checked.
  const noLedger = parts.find((p) => p.partial.ledger === null);
  if (noLedger && (first.partial.run.verify || parts.some((p) => p.partial.ledger !== null))) return `${noLedger.source} has no ledger though ${first.partial.run.verify ? 'the run verifies' : 'another part has one'}`;
  return null;
}

function sumRecords(records: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

const addPairs = (pairs: ReadonlyArray<{ latency: string; service: string }>) => ({ latency: addEncoded(pairs.map((p) => p.latency)), service: addEncoded(pairs.map((p) => p.service)) });

/** Per-second counts of the parts that have them, added second by second; absent when none has (a part written before they were kept). */
function addBySecond(arrays: ReadonlyArray<number[] | undefined>): number[] | undefined {
  const present = arrays.filter((a): a is number[] => a !== undefined);
  if (present.length === 0) return undefined;
  return Array.from({ length: Math.max(...present.map((a) => a.length)) }, (_, s) => present.reduce((n, a) => n + (a[s] ?? 0), 0));
}

/**
 * Each Cluster shard's figures over the parts: operations and errors added, latency histograms
 * added bucket by bucket, shards matched by name (in the order first seen). Null unless every part
 * counted them: a run's per-shard figures are all of its operations or none.
 */
function addClusterShards(loads: readonly PartialLoad[]): PartialLoad['clusterShards'] {
  const counted = loads.map((l) => l.clusterShards ?? null);
  if (counted.some((c) => c === null)) return null;
  const byName = new Map<string, { ops: number; errors: number; latency: string[] }>();
  for (const x of counted.flatMap((c) => c!.byShard)) {
    const into = byName.get(x.name) ?? { ops: 0, errors: 0, latency: [] };
    into.ops += x.ops;
    into.errors += x.errors;
    into.latency.push(x.latency);
    byName.set(x.name, into);
  }
  return {
    byShard: [...byName].map(([name, x]) => ({ name, ops: x.ops, errors: x.errors, latency: addEncoded(x.latency) })),
    unattributedOps: counted.reduce((n, c) => n + c!.unattributedOps, 0),
  };
}

/** Adds parts' loads: counts summed, histograms added, seconds aligned on the run clock, generators kept apart. */
function combineLoads(loads: readonly PartialLoad[]): PartialLoad {
  const byOp: PartialLoad['byOp'] = {};
  for (const name of operationNames) {
    const totals = loads.flatMap((l) => (l.byOp[name] ? [l.byOp[name]] : []));
    if (totals.length === 0) continue;
    const outside = totals.flatMap((t) => (t.outside ? [t.outside] : []));
    // Known only when every part kept it (a part of an earlier version did not).
    const healthy = totals.every((t) => t.outsideHealthy !== undefined) ? { outsideHealthy: addEncoded(totals.map((t) => t.outsideHealthy!)) } : {};
    byOp[name] = { ok: totals.reduce((a, t) => a + t.ok, 0), errors: totals.reduce((a, t) => a + t.errors, 0), all: addPairs(totals.map((t) => t.all)), outside: outside.length ? addPairs(outside) : null, ...healthy };
  }
  const mergedSeconds = groupBySecond(loads.flatMap((l) => l.seconds), (s) => s.t).map(([t, ss]) => ({ t, ops: ss.reduce((a, s) => a + s.ops, 0), errors: ss.reduce((a, s) => a + s.errors, 0), sessions: ss.reduce((a, s) => a + s.sessions, 0), ...addPairs(ss) }));
  const tail = new TailAttribution();
  for (const l of loads) tail.addBuckets(l.tail);
  // Every part mirrors the same windows; each counted its own operations in them.
  const windows = new Map<string, PartialLoad['windows'][number]>();
  for (const w of loads.flatMap((l) => l.windows)) {
    const key = JSON.stringify([w.label, w.startMs, w.endMs]);
    const seen = windows.get(key);
    windows.set(key, seen ? { ...seen, ops: (seen.ops ?? 0) + (w.ops ?? 0), errors: (seen.errors ?? 0) + (w.errors ?? 0) } : { ...w });
  }
  const measured = loads.filter((l) => l.memory.startBytes !== null || l.memory.samples.length > 0);
  const minOf = (xs: Array<number | null>): number | null => (xs.some((x) => x !== null) ? Math.min(...xs.filter((x): x is number => x !== null)) : null);
  const maxOf = (xs: Array<number | null>): number | null => (xs.some((x) => x !== null) ? Math.max(...xs.filter((x): x is number => x !== null)) : null);
  const reasons = loads.flatMap((l) => (l.abortReason ? [l.abortReason] : []));
  const intendedBySecond = addBySecond(loads.map((l) => l.intendedBySecond));
  const okBySecond = addBySecond(loads.map((l) => l.okBySecond));
  return {
    startedAt: loads.map((l) => l.startedAt).sort()[0]!,
    durationMs: Math.max(...loads.map((l) => l.durationMs)),
    aborted: loads.some((l) => l.aborted),
    abortReason: reasons.length ? [...new Set(reasons)].join('; ') : null,
    intendedOps: loads.reduce((a, l) => a + l.intendedOps, 0),
    outcomes: sumRecords(loads.map((l) => l.outcomes)),
    // Each part's peak is its own; sessions summed per second show the run's.
    peakConcurrentSessions: Math.max(Math.max(...loads.map((l) => l.peakConcurrentSessions)), ...mergedSeconds.map((s) => s.sessions)),
    clientInstances: loads.reduce((a, l) => a + l.clientInstances, 0),
    byOp,
    overall: addPairs(loads.map((l) => l.overall)),
    outsideOverall: addPairs(loads.map((l) => l.outsideOverall)),
    outsideHealthy: addPairs(loads.map((l) => l.outsideHealthy)),
    excluded: { ops: loads.reduce((a, l) => a + l.excluded.ops, 0), errors: loads.reduce((a, l) => a + l.excluded.errors, 0) },
    errorKinds: sumRecords(loads.map((l) => l.errorKinds)),
    tail: tail.buckets(),
    seconds: mergedSeconds,
    ...(intendedBySecond && okBySecond ? { intendedBySecond, okBySecond } : {}),
    windows: [...windows.values()],
    generators: loads.flatMap((l) => l.generators),
    memory: {
      // Every part samples the same master: its lowest start and highest peak, the samples of one.
      startBytes: minOf(loads.map((l) => l.memory.startBytes)),
      peakBytes: maxOf(loads.map((l) => l.memory.peakBytes)),
      samples: measured[0]?.memory.samples ?? [],
      notMeasured: measured.length ? null : (loads[0]!.memory.notMeasured ?? null),
      byShard: measured[0]?.memory.byShard ?? null,
    },
    clientEnds: { count: loads.reduce((a, l) => a + l.clientEnds.count, 0), first: loads.flatMap((l) => l.clientEnds.first).sort((a, b) => a.atMs - b.atMs).slice(0, 20) },
    clusterShards: addClusterShards(loads),
  };
}

/**
 * The parts of `whole` (a shard from its workers, or the run from its shards) as one partial
 * result of it: the one merge path of workers and shards. Refuses, naming what is wrong, parts
 * that are not exactly the shares of one run; with `missingBecause`, parts may be missing (a
 * worker crashed) and the result is an aborted load saying so.
 */
export function combinePartials(parts: readonly SourcedPartial[], whole: SchedulePartition, missingBecause?: string): PartialResult {
  const why = whyNotWhole(parts, whole, missingBecause !== undefined);
  if (why) throw new PartialMismatch(why);
  const first = parts[0]!.partial;
  let ledger: PartialResult['ledger'] = null;
  if (first.ledger) {
    const l = new Ledger(first.ledger.ttl);
    for (const p of parts) l.addShard(p.partial.ledger!);
    ledger = l.toShard();
  }
  const load = combineLoads(parts.map((p) => p.partial.load));
  // Parts that never reported (a crashed worker): the load is not the run's, and says why.
  if (missingBecause !== undefined) Object.assign(load, { aborted: true, abortReason: [missingBecause, load.abortReason].filter(Boolean).join('; ') });
  return { ...first, part: { shard: whole, worker: null }, load, ledger };
}

/** Parts that do not make one run (exit 3 from the CLI: the user gave the wrong directories). */
export class PartialMismatch extends Error {
  override readonly name = 'PartialMismatch';
}
