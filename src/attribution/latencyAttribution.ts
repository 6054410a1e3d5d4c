import type { Histogram } from 'hdr-histogram-js';
import type { LoadResult } from '../load/loadResult.js';
import { percentilesMs, type Pair } from '../load/latencyRecorder.js';
import { op as operationCode, type OperationName, type Scenario } from '../load/scenario.js';
import type { TailAttribution, TailShare } from '../load/tailAttribution.js';
import type { ProxyCalibration } from './proxyCalibration.js';
import type { ServerTime } from './serverTime.js';

export type DataPath = 'direct' | 'proxied' | 'external';

/** Whose time a p99 over budget is. */
export interface BreachCause {
  who: 'generator' | 'server' | 'proxy' | 'network or target';
  why: string;
}

/** Where the p99 went, for the operations the steady-state gates judge. */
export interface Attribution {
  scope: 'outside chaos windows' | 'all operations';
  budgetMs: number;
  p99Ms: number;
  serviceP99Ms: number;
  /** The operations at the p99: their mean wait behind the session's previous action, generator queueing and reply time. */
  atP99: TailShare | null;
  /**
   * Every operation at or over the budget (the ones that make a breach): their mean parts. Absent
   * in summaries written before it was kept; null when none reached the budget.
   */
  overBudget?: TailShare | null;
  generator: {
    schedulerLagP99Ms: number;
    maxSchedulerLagP99Ms: number;
    gcCount: number;
    gcMaxMs: number;
    gcOver2Ms: number;
    eventLoopDelayMaxMs: number;
    stalledSeconds: number;
    seconds: number;
    stallThresholdMs: number;
    /** The p99 again, of the seconds in which the generator did not stall (null: none). */
    p99HealthySecondsMs: number | null;
    /** How many operations those seconds hold (absent in summaries written before it was kept). */
    opsHealthySeconds?: number;
    /** The most the generator's thread waited for a CPU in one second outside chaos windows (null: not measurable; absent in older summaries). */
    cpuWaitMaxPerSecondMs?: number | null;
  };
  server: ServerTime;
  dataPath: DataPath;
  proxy: ProxyCalibration | null;
  /** Set when the p99 is at or over budget. */
  cause: BreachCause | null;
  /**
   * Each operation type judged on its own p99 (enough samples) that is at or over its budget,
   * and whose time that is. Absent in summaries written before it was kept.
   */
  operationBreaches?: OperationBreach[];
}

/** An operation type's own p99 at or over its budget, and whose time it is. */
export interface OperationBreach {
  op: string;
  budgetMs: number;
  p99Ms: number;
  /** The type's p99 again, of the seconds the generator did not stall (null: none), and how many operations of it those hold. */
  p99HealthySecondsMs: number | null;
  opsHealthySeconds: number;
  /**
   * Those seconds breach the budget on their own, over at least the operations a type needs to
   * be judged and the 300 a p99 of the healthy seconds needs for all operations: the target's
   * however the generator stalled. Absent in summaries written before.
   */
  breachesWithoutStalls?: boolean;
  cause: BreachCause;
}

export interface AttributionInputs {
  load: LoadResult;
  /** The scenario's: the p99 budget, and the per-operation one with the samples a type needs to be judged on it. */
  thresholds: Pick<Scenario['thresholds'], 'p99Ms' | 'perOperationP99Ms' | 'minSamplesPerOperation'>;
  server: ServerTime;
  dataPath: DataPath;
  proxy: ProxyCalibration | null;
}

const ms = (x: number): string => `${Math.round(x * 100) / 100} ms`;

/** A stall of the generator or the server counts when it reaches a quarter of the budget. */
const stallShare = 0.25;
/** Operations a p99 must rest on (at least three over it) before it says anything on its own. */
const opsForAP99 = 300;

export function attributeLatency(i: AttributionInputs): Attribution {
  const r = i.load.recorder;
  const windowsSeen = i.load.windows.any;
  const g = i.load.generator;
  const span: JudgedSpan = {
    scope: windowsSeen ? 'outside chaos windows' : 'all operations',
    overall: windowsSeen ? r.outsideOverall : r.overall,
    byOp: windowsSeen ? r.outsideByOp() : r.byOp(),
    healthyLatency: r.outsideHealthy.latency,
    healthyLatencyByOp: (op) => r.outsideHealthyByOp[operationCode[op]]!,
    tail: r.tail,
    seconds: i.load.generatorSeconds.filter((s) => !s.inChaosWindow).length,
    stalledSeconds: g.stalledSeconds,
  };
  const generator: GeneratorFacts = {
    schedulerLagP99Ms: g.schedulerLagOutsideChaosMs.p99,
    maxSchedulerLagP99Ms: g.maxSchedulerLagP99Ms,
    gcCount: g.gc.count,
    gcMaxMs: g.gc.maxMs,
    gcOver2Ms: g.gc.over2Ms,
    eventLoopDelayMaxMs: g.eventLoopDelayMs.max,
    stallThresholdMs: g.stallThresholdMs,
    cpuWaitMaxPerSecondMs: g.cpuWaitMs?.maxPerSecond ?? null,
  };
  return attributeSpan(span, { ...i, generator });
}

/**
 * The operations an attribution judges, and the seconds they fall in: a run's outside chaos
 * windows (or all of them), or a capacity step's hold. `healthyLatency` holds the latencies of
 * those that completed in the seconds the generator did not stall in.
 */
export interface JudgedSpan {
  scope: Attribution['scope'];
  overall: Pair;
  byOp: ReadonlyMap<OperationName, Pair>;
  healthyLatency: Histogram;
  healthyLatencyByOp: (op: OperationName) => Histogram;
  /** Where the latency of the judged operations went (behind the previous action, queueing, reply). */
  tail: TailAttribution;
  /** Seconds the span covers, and those among them in which the generator stalled. */
  seconds: number;
  stalledSeconds: number;
}

/** The generator's figures over the whole run, beside a span's own seconds. */
export type GeneratorFacts = Omit<Attribution['generator'], 'stalledSeconds' | 'seconds' | 'p99HealthySecondsMs' | 'opsHealthySeconds'>;

/** Whose time a span's p99 over budget is: a run's, or a capacity step's hold's (with its run's generator and server figures). */
export function attributeSpan(span: JudgedSpan, i: Omit<AttributionInputs, 'load'> & { generator: GeneratorFacts }): Attribution {
  const t = i.thresholds;
  const all = percentilesMs(span.overall.latency);
  const service = percentilesMs(span.overall.service);
  const healthy = percentilesMs(span.healthyLatency);
  const a: Attribution = {
    scope: span.scope,
    budgetMs: t.p99Ms,
    p99Ms: all.p99,
    serviceP99Ms: service.p99,
    atP99: all.count > 0 ? span.tail.at(all.p99) : null,
    overBudget: all.count > 0 ? span.tail.above(t.p99Ms) : null,
    generator: {
      ...i.generator,
      stalledSeconds: span.stalledSeconds,
      seconds: span.seconds,
      p99HealthySecondsMs: healthy.count > 0 ? healthy.p99 : null,
      opsHealthySeconds: healthy.count,
    },
    server: i.server,
    dataPath: i.dataPath,
    proxy: i.proxy,
    cause: null,
  };
  if (all.count > 0 && all.p99 >= t.p99Ms) a.cause = breachCause(a);
  if (t.perOperationP99Ms !== undefined) a.operationBreaches = operationBreaches(a, span, t.perOperationP99Ms, t.minSamplesPerOperation);
  return a;
}

/**
 * Each operation type over its own budget, and whose time that is. A type holds a few hundred
 * operations where all of them hold thousands, so of the rules for all of them only the first
 * applies, with the load gates' sample floor: the breach is the generator's when it stalled and
 * the type's own p99 in the seconds it did not stall, over at least `minSamples` operations, is
 * under the budget. When the generator stalled and fewer than `minSamples` of the type's
 * operations fall in the seconds it did not, their p99 cannot be judged: the breach is the
 * generator's unless enough of those operations are over the budget to make the type's p99
 * breach on their own (a small type would otherwise stand as the target's on the generator's
 * stalls alone: a false fail). The queueing share (kept for all types together, not per type)
 * clears no type: a type's breach without that evidence is the target's, named by the target's
 * rules on the type's own send-to-reply p99. A type with fewer than `minSamples` is not judged at
 * all (its p99 is its maximum), as in the load gates.
 */
function operationBreaches(a: Attribution, span: JudgedSpan, budgetMs: number, minSamples: number): OperationBreach[] {
  const out: OperationBreach[] = [];
  for (const [op, pair] of span.byOp) {
    const p = percentilesMs(pair.latency);
    if (p.count < minSamples || p.p99 < budgetMs) continue;
    const healthy = percentilesMs(span.healthyLatencyByOp(op));
    const gen = a.generator;
    const ownStalls = gen.stalledSeconds > 0 && healthy.count >= minSamples && healthy.p99 < budgetMs;
    const overNeeded = opsOverBudgetForP99(p.count);
    const tooFewToTell = gen.stalledSeconds > 0 && healthy.count < minSamples && !healthyOpsBreach(span.healthyLatencyByOp(op), overNeeded, budgetMs);
    const cause: BreachCause = ownStalls
      ? { who: 'generator', why: `${stallsText(gen)}; without those seconds the ${op} p99 is ${ms(healthy.p99)} over ${healthy.count} operations, under the ${ms(budgetMs)} budget` }
      : tooFewToTell
        ? { who: 'generator', why: `${stallsText(gen)}; only ${healthy.count} of the ${p.count} ${op} operations fell in the other seconds, fewer than the ${minSamples} a type's p99 needs, and fewer than the ${overNeeded} over the ${ms(budgetMs)} budget that make its p99 breach are among them: too few to tell the target's time from the generator's` }
        : targetCause({ ...a, budgetMs, p99Ms: p.p99, serviceP99Ms: percentilesMs(pair.service).p99 });
    // As for all operations: a p99 the healthy seconds reach on their own needs three operations over it.
    const breachesWithoutStalls = healthy.count >= Math.max(minSamples, opsForAP99) && healthy.p99 >= budgetMs;
    out.push({ op, budgetMs, p99Ms: p.p99, p99HealthySecondsMs: healthy.count > 0 ? healthy.p99 : null, opsHealthySeconds: healthy.count, breachesWithoutStalls, cause });
  }
  return out;
}

/**
 * How many of `count` operations must be over the budget for their p99 to be: HdrHistogram's p99
 * is the ceil(0.99 count)-th value, the ceiling taken after a step back of the float's last digit
 * (as the library does) so that a product a hair over a whole number does not round up past it.
 */
function opsOverBudgetForP99(count: number): number {
  const at = 0.99 * count;
  return count - Math.max(1, Math.ceil(at - Number.EPSILON * at)) + 1;
}

/** At least `needed` of the histogram's operations are over the budget: they make a p99 breach on their own. */
function healthyOpsBreach(h: Histogram, needed: number, budgetMs: number): boolean {
  const n = h.totalCount;
  if (n < needed) return false;
  return h.getValueAtPercentile((100 * (n - needed + 1)) / n) / 1000 >= budgetMs;
}

/**
 * The latency breaches a verdict weighs and whose time each is: the p99 of all operations (`op`
 * null) when it breached, else each operation type's own. Beside an overall breach the
 * generator's stalls made (the seconds it did not stall meet the budget), a type whose seconds
 * without a stall breach on their own is weighed too: the target's time, which those stalls do
 * not hide. Not beside one made of the generator's queueing: that share is kept for all types
 * together, so a type's healthy seconds may breach on the same queueing. (Nor a type's breach
 * that only lacks the samples to clear the generator: the overall breach already shows the stalls.)
 */
export function latencyBreaches(a: Attribution): Array<{ op: string | null; cause: BreachCause }> {
  const types = a.operationBreaches ?? [];
  if (!a.cause) return types;
  // stallsMadeIt is the first rule of generatorCause: the overall cause is then the generator's.
  return [{ op: null, cause: a.cause }, ...(stallsMadeIt(a) ? types.filter((b) => b.breachesWithoutStalls === true) : [])];
}

/** The generator stalled, and without the seconds it stalled in the p99 of all operations meets the budget. */
function stallsMadeIt(a: Attribution): boolean {
  const gen = a.generator;
  return gen.stalledSeconds > 0 && gen.p99HealthySecondsMs !== null && gen.p99HealthySecondsMs < a.budgetMs;
}

/**
 * A breach that is the target's whatever the generator did: a late generator only adds to
 * latency (measured from the intended start), and here the reply times alone (sent to reply,
 * the generator's queueing left out) exceed the budget by more than twice the generator's
 * longest event-loop delay: once for what a stall can add to reading a reply, once more for the
 * burst of sends it leaves behind, which queues at the target. Then the generator falling behind
 * its schedule does not make the run `invalid`: the breach stands without it. Null when that
 * cannot be shown (no breach, the generator's breach, or reply times within that margin).
 */
export function breachBeyondGenerator(a: Attribution): string | null {
  if (a.cause === null || a.cause.who === 'generator') return null;
  const margin = 2 * a.generator.eventLoopDelayMaxMs;
  if (!(a.serviceP99Ms > a.budgetMs + margin)) return null;
  return `the reply times alone (send-to-reply p99 ${ms(a.serviceP99Ms)}) exceed the ${ms(a.budgetMs)} budget by more than twice the generator's longest event-loop delay (${ms(margin)} in all): the breach is the ${a.cause.who === 'network or target' ? 'target' : a.cause.who}'s however late the generator was`;
}

/**
 * Whose time a breach is. The generator's when it stalled and the seconds it did not stall meet
 * the budget, when it stalled in most seconds (unless the others, on at least `opsForAP99`
 * operations, breach the budget on their own), or when its own queueing (not the wait behind a
 * session's previous, slow action: that is the target's) is most of the latency of the operations
 * over the budget while their own replies, on average, were within it; else
 * the server's when the server logged stalls (latency events, a slow command, a fork, a delayed
 * fsync) of a quarter of the budget (on a cluster, a slow command on any one shard, named with
 * its master); else the proxy's when the app's traffic crossed Toxiproxy
 * and the hop costs that much; else the network's or the target's.
 */
export function breachCause(a: Attribution): BreachCause {
  return generatorCause(a) ?? targetCause(a);
}

const stallsText = (gen: Attribution['generator']): string =>
  `the generator stalled in ${gen.stalledSeconds} of ${gen.seconds} seconds (GC pauses up to ${ms(gen.gcMaxMs)}, ${gen.gcOver2Ms} over 2 ms; event-loop delay up to ${ms(gen.eventLoopDelayMaxMs)})`;

/** The generator's rules of `breachCause`: its stalls or its own queueing; null when neither is shown. */
function generatorCause(a: Attribution): BreachCause | null {
  const budget = a.budgetMs;
  const gen = a.generator;
  const stalls = stallsText(gen);
  if (stallsMadeIt(a)) {
    return { who: 'generator', why: `${stalls}; without those seconds the p99 is ${ms(gen.p99HealthySecondsMs!)}, under the ${ms(budget)} budget` };
  }
  // Seconds the generator did not stall that breach on their own, on enough operations, are the
  // target's time however often the generator stalled in the others.
  const breachesWithoutStalls = gen.p99HealthySecondsMs !== null && gen.p99HealthySecondsMs >= budget && (gen.opsHealthySeconds ?? 0) >= opsForAP99;
  if (gen.seconds > 0 && gen.stalledSeconds > gen.seconds / 2 && !breachesWithoutStalls) return { who: 'generator', why: `${stalls}: too many to tell the target's time from the generator's` };
  // Judged on every operation over the budget: the one bucket at the p99 may hold a single
  // operation, and one late send among a target's stalled replies is not the breach.
  // Absent in an older summary; null when the slowest operations sit just under the budget in
  // the bucket below its own (the p99 is a bucket's top): then the bucket at the p99 it is.
  const over = a.overBudget ?? a.atP99;
  const where = a.overBudget ? `over the ${ms(budget)} budget (${a.overBudget.samples} operations), on average` : 'at the p99,';
  // Replies over the budget make the session's next operations wait (behind it, or for the in-flight limit): the target's time.
  if (over && over.queueMs > over.waitMs + over.replyMs && over.replyMs < budget) return { who: 'generator', why: `${where} ${ms(over.queueMs)} of ${ms(over.latencyMs)} is the generator's own queueing before the send` };
  return null;
}

/** The target's rules of `breachCause`: the server's, the proxy's, else the network's or the target's. */
function targetCause(a: Attribution): BreachCause {
  const budget = a.budgetMs;
  const s = a.server;
  const serverSigns: string[] = [];
  for (const e of s.latencyEvents) if (e.maxMs >= budget * stallShare) serverSigns.push(`LATENCY event "${e.event}" up to ${e.maxMs} ms${e.node ? ` on ${e.node}` : ''}`);
  // A cluster: per shard, since one slow master among several is averaged away in the sum.
  const commands = s.byShard?.length ? s.byShard.flatMap((x) => x.perCommand.map((c) => ({ ...c, on: ` on ${x.name} (master ${x.masters.join(', then ')})` }))) : s.perCommand.map((c) => ({ ...c, on: '' }));
  for (const c of commands) if (c.usecPerCall >= budget * 1000 * 0.1) serverSigns.push(`${c.command.toUpperCase()} ${ms(c.usecPerCall / 1000)} per call${c.on}`);
  if (s.forks > 0 && s.latestForkUs >= budget * 1000 * stallShare) serverSigns.push(`${s.forks} fork(s), the last ${ms(s.latestForkUs / 1000)}`);
  const fsyncShards = (s.byShard ?? []).filter((x) => x.aofDelayedFsync > 0).map((x) => `${x.name} ${x.aofDelayedFsync}`);
  if (s.aofDelayedFsync > 0) serverSigns.push(`${s.aofDelayedFsync} writes waited for a slow AOF fsync${fsyncShards.length ? ` (${fsyncShards.join(', ')})` : ''}`);
  if (serverSigns.length > 0) return { who: 'server', why: `the server: ${serverSigns.join('; ')}` };
  const overhead = a.proxy ? a.proxy.before.proxiedP99Ms - a.proxy.before.directP99Ms : 0;
  if (a.dataPath === 'proxied' && overhead >= budget * stallShare) return { who: 'proxy', why: `the Toxiproxy hop on the app path adds ${ms(overhead)} at p99 (PING calibration)` };
  const own = s.measured ? `the server's own time is small (${s.perCommand.map((c) => `${c.command.toUpperCase()} ${c.usecPerCall} µs`).join(', ') || 'no commands'} per call, no latency events over ${ms(budget * stallShare)})` : `the server's own time was not measured (${s.why ?? 'unknown'})`;
  return { who: 'network or target', why: `the network or the target: ${own}; send-to-reply p99 ${ms(a.serviceP99Ms)}` };
}
