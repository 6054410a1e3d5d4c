import { Worker } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ledger, LedgerShard } from '../ledger/ledger.js';
import type { ChaosWindows } from '../load/chaosWindows.js';
import { percentilesMs, type IntervalStats } from '../load/latencyRecorder.js';
import type { ProgressSnapshot, RunClock } from '../load/loadOptions.js';
import type { OperationObserver } from '../load/operationEvent.js';
import { PopulationPlan } from '../load/population/populationPlan.js';
import { ordinalOf, shareOf, subPartition, type SchedulePartition } from '../load/population/schedulePartition.js';
import type { Scenario } from '../load/scenario.js';
import { readShardMap } from '../load/shardMap.js';
import type { Target } from '../target/target.js';
import { combinePartials } from './combinePartials.js';
import { sumEncoded } from './histogramCodec.js';
import { mergedRun, type MergedRun } from './mergedRun.js';
import { replayBatch } from './operationStream.js';
import type { PartialResult, PartialRun } from './partialResult.js';
import { snapshotOf } from './targetSnapshot.js';
import type { FromWorker, TargetSnapshot, ToWorker, WorkerSecond, WorkerSetup } from './workerProtocol.js';
import { firstLine } from '../errors.js';

/** The moment now, on the scale engines start their clocks on (ms, about the Unix epoch). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** How long workers may take to connect their clients and warm up. */
const readyWithinMs = 120_000;
/** Between the last worker being ready and the shared start: enough to deliver `start` to every thread. */
const startMarginMs = 250;
/** How long after its schedule's end (and its drain) a worker may take to send its result. */
const resultGraceMs = 60_000;

export interface WorkerLoadOptions {
  scenario: Scenario;
  target: Target;
  seed: number;
  run: PartialRun;
  /** The share of the schedule this process runs (a shard); default all of it. */
  shard?: SchedulePartition;
  /** The parent's chaos windows: mirrored into every worker while they change. */
  windows: ChaosWindows;
  /** Parent-side observers of every operation (failover timing, live metrics), fed from the workers' batches. */
  observers: readonly OperationObserver[];
  signal: AbortSignal;
  durableWaitMs: number | null;
  /** Awaited once every worker is ready, before the clock starts (the failover watch starts here). */
  prepare?: () => Promise<void>;
  /** The shared start (shards: from --start-at); default: as soon as every worker is ready. */
  startAt?: number;
  onClockStart?: (clock: RunClock) => void;
  onSecond?: (p: ProgressSnapshot) => void;
}

interface Member {
  index: number;
  label: string;
  worker: Worker;
  ready: boolean;
  /** Its result, or why it has none. */
  partial: PartialResult | null;
  failure: string | null;
  exited: boolean;
}

/**
 * The app clients of a partition: of the scenario's `instances`, the numbers it owns (0-based,
 * run-wide), at least one (a worker beyond the scenario's instances gets an extra client).
 */
export function clientNumbersOf(p: SchedulePartition, instances: number): number[] {
  const n = shareOf(p, instances);
  return n > 0 ? Array.from({ length: n }, (_, c) => ordinalOf(p, c + 1) - 1) : [instances + p.index];
}

/**
 * Load in worker threads: each worker runs one engine over its partition of the schedule, and
 * this parent keeps the run's clock, mirrors the chaos windows to them, replays their operations
 * into its observers, merges their seconds into one live timeline and, at the end, their partial
 * results into one (the same merge as shards). A worker that crashes, fails or goes silent stops
 * the others and makes the load aborted, naming it; nothing waits without a bound, and every
 * thread is terminated before `run` returns.
 */
export class WorkerPool {
  private members: Member[] = [];
  private ledgerRequests = 0;
  private readonly ledgerReplies = new Map<number, { want: number; got: Array<LedgerShard | null>; done: () => void }>();
  private running = false;

  constructor(
    readonly workers: number,
    /** The worker's module (tests give one that misbehaves). */
    private readonly entry: URL = new URL('./loadWorker.ts', import.meta.url),
  ) {}

  /**
   * Refills `into` with the workers' ledgers as they are now (a chaos step that reads the run's
   * ledger calls it first). Bounded; without running workers it changes nothing.
   */
  async syncLedger(into: Ledger, timeoutMs = 30_000): Promise<void> {
    const live = this.members.filter((m) => m.ready && !m.exited && m.failure === null);
    if (!this.running || live.length === 0) return;
    const id = ++this.ledgerRequests;
    const got: Array<LedgerShard | null> = [];
    const all = new Promise<void>((resolve) => this.ledgerReplies.set(id, { want: live.length, got, done: resolve }));
    for (const m of live) this.post(m, { type: 'ledger', id });
    const ok = await Promise.race([all.then(() => true), sleep(timeoutMs, false, { ref: false })]);
    this.ledgerReplies.delete(id);
    if (!ok) throw new Error(`the workers did not send their ledgers within ${timeoutMs / 1000} s`);
    into.clear();
    for (const shard of got) if (shard) into.addShard(shard);
  }

  async run(o: WorkerLoadOptions): Promise<MergedRun & { partial: PartialResult }> {
    const shard = o.shard ?? { index: 0, count: 1 };
    const plan = new PopulationPlan(o.scenario.stages);
    const planMs = plan.totalMs;
    let stopped = false;
    const stop = (reason: string): void => {
      if (stopped) return;
      stopped = true;
      for (const m of this.members) if (!m.exited && m.partial === null) this.post(m, { type: 'stop', reason });
    };
    const onAbort = (): void => stop(String(o.signal.reason ?? 'aborted'));
    let mirror: NodeJS.Timeout | undefined;
    let wake: () => void = () => undefined;
    const changed = (): void => wake();
    this.running = true;
    try {
      const timeline = new LiveTimeline(this.workers, plan, o.onSecond);
      // A cluster: every worker names its shards as this thread does (memory per shard).
      const target = snapshotOf(o.target, await readShardMap(o.target));
      for (let w = 0; w < this.workers; w++) this.members.push(this.spawn(w, o, target, shard, timeline, changed));
      o.signal.addEventListener('abort', onAbort, { once: true });
      if (o.signal.aborted) onAbort();

      // Every worker connected and warmed up, or one failed (the others are stopped).
      const readyBy = performance.now() + readyWithinMs;
      while (!this.members.every((m) => m.ready || m.exited || m.failure !== null) && performance.now() < readyBy) await this.until((r) => (wake = r), readyBy);
      const notReady = this.members.find((m) => !m.ready && m.failure === null);
      if (notReady) this.fail(notReady, `not ready within ${readyWithinMs / 1000} s`);
      const failed = this.members.find((m) => m.failure !== null);
      if (failed) stop(failed.failure!);

      await o.prepare?.();
      const startAt = Math.max(o.startAt ?? 0, epochNow() + startMarginMs);
      for (const m of this.members) this.post(m, { type: 'start', startAt });
      await sleep(Math.max(0, startAt - epochNow()));
      o.onClockStart?.({ now: () => epochNow() - startAt, startedAtWallMs: Math.round(startAt) });

      // The chaos windows, as they open and close, to every worker's recorder.
      let sent = '[]';
      mirror = setInterval(() => {
        const now = JSON.stringify(o.windows.windows);
        if (now === sent) return;
        sent = now;
        for (const m of this.members) this.post(m, { type: 'windows', windows: JSON.parse(now) });
      }, 100);

      const drainMs = o.scenario.clients.commandTimeoutMs * (o.scenario.clients.maxRetriesPerRequest + 2) + 2000;
      const resultBy = performance.now() + Math.max(0, startAt - epochNow()) + planMs + drainMs + resultGraceMs;
      for (;;) {
        const crashed = this.members.find((m) => m.failure !== null);
        if (crashed) stop(crashed.failure!);
        if (this.members.every((m) => m.partial !== null || m.failure !== null) || performance.now() >= resultBy) break;
        await this.until((r) => (wake = r), resultBy);
      }
      for (const m of this.members) if (m.partial === null && m.failure === null) this.fail(m, `no result within ${Math.round((planMs + drainMs + resultGraceMs) / 1000)} s of the start`);
      timeline.flush();
      return this.combine(shard, o.windows);
    } finally {
      this.running = false;
      clearInterval(mirror);
      o.signal.removeEventListener('abort', onAbort);
      await Promise.all(this.members.map((m) => m.worker.terminate().catch(() => undefined)));
    }
  }

  /** Waits until a worker says something (`setWake` gets the resolver), or the deadline. */
  private async until(setWake: (r: () => void) => void, deadline: number): Promise<void> {
    await Promise.race([new Promise<void>((r) => setWake(r)), sleep(Math.max(0, deadline - performance.now()), undefined, { ref: false })]);
  }

  private post(m: Member, msg: ToWorker): void {
    if (m.exited) return;
    try {
      m.worker.postMessage(msg);
    } catch {
      // A worker that is gone: its exit handler has said so.
    }
  }

  private fail(m: Member, why: string): void {
    if (m.failure !== null || m.partial !== null) return;
    m.failure = `${m.label} ${why}`;
    void m.worker.terminate().catch(() => undefined);
  }

  private spawn(w: number, o: WorkerLoadOptions, target: TargetSnapshot, shard: SchedulePartition, timeline: LiveTimeline, changed: () => void): Member {
    const partition = subPartition(shard, { index: w, count: this.workers });
    const clientNumbers = clientNumbersOf(partition, o.scenario.clients.instances);
    const label = shard.count > 1 ? `shard ${shard.index}/${shard.count}, worker ${w + 1} of ${this.workers}` : `worker ${w + 1} of ${this.workers}`;
    const setup: WorkerSetup = {
      label,
      scenario: { ...o.scenario, clients: { ...o.scenario.clients, instances: clientNumbers.length } },
      seed: o.seed,
      partition,
      part: { shard, worker: { index: w, count: this.workers } },
      run: o.run,
      target,
      durableWaitMs: o.durableWaitMs,
      clientNumbers,
    };
    // Worker threads do not inherit the TypeScript loader the parent registered: each imports its module through tsx.
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ tsImport }) => tsImport(${JSON.stringify(this.entry.href)}, ${JSON.stringify(import.meta.url)}))`;
    const worker = new Worker(bootstrap, { eval: true, workerData: setup, name: `gauntlet-${label}` });
    const m: Member = { index: w, label, worker, ready: false, partial: null, failure: null, exited: false };
    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'ready':
          m.ready = true;
          break;
        case 'operations':
          replayBatch(msg.batch, o.observers);
          return;
        case 'second':
          timeline.add(w, msg.second);
          return;
        case 'ledger': {
          const reply = this.ledgerReplies.get(msg.id);
          if (reply) {
            reply.got.push(msg.shard);
            if (reply.got.length === reply.want) reply.done();
          }
          return;
        }
        case 'result':
          m.partial = msg.partial;
          timeline.finished(w);
          break;
        case 'failed':
          this.fail(m, `failed: ${msg.message}`);
          timeline.finished(w);
          break;
      }
      changed();
    });
    worker.on('error', (e) => {
      this.fail(m, `crashed: ${firstLine(e)}`);
      timeline.finished(w);
      changed();
    });
    worker.on('exit', (code) => {
      m.exited = true;
      if (m.partial === null) this.fail(m, `exited (code ${code}) before sending its result`);
      timeline.finished(w);
      for (const reply of this.ledgerReplies.values()) reply.done();
      changed();
    });
    return m;
  }

  /** The workers' partial results as one (their shard's); a failed worker's share is missing and the load aborted, naming it. */
  private combine(shard: SchedulePartition, windows: ChaosWindows): MergedRun & { partial: PartialResult } {
    const failures = this.members.flatMap((m) => (m.failure ? [m.failure] : []));
    const parts = this.members.flatMap((m) => (m.partial ? [{ source: m.label, partial: m.partial }] : []));
    if (parts.length === 0) throw new WorkersFailed(failures.join('; '));
    const partial = combinePartials(parts, shard, failures.length ? failures.join('; ') : undefined);
    return { ...mergedRun(partial, windows), partial };
  }
}

/** Not one worker produced a result: there is nothing to report about the load. */
export class WorkersFailed extends Error {
  override readonly name = 'WorkersFailed';
}

/**
 * The run's timeline while it runs: a second is closed once every worker still running has
 * closed it, its histograms added (never percentiles averaged), and told as one progress
 * snapshot, as one engine would tell it.
 */
class LiveTimeline {
  private readonly pending = new Map<number, Map<number, WorkerSecond>>();
  private readonly running: Set<number>;
  private readonly recentP99: number[] = [];
  private totalOps = 0;
  private errors = 0;
  private lastT = 0;

  constructor(
    workers: number,
    private readonly plan: PopulationPlan,
    private readonly onSecond: ((p: ProgressSnapshot) => void) | undefined,
  ) {
    this.running = new Set([...Array(workers).keys()]);
  }

  add(worker: number, s: WorkerSecond): void {
    const at = this.pending.get(s.t) ?? new Map<number, WorkerSecond>();
    at.set(worker, s);
    this.pending.set(s.t, at);
    this.closeReady();
  }

  finished(worker: number): void {
    this.running.delete(worker);
    this.closeReady();
  }

  /** The run ended: whatever seconds are open close with what arrived. */
  flush(): void {
    for (const t of [...this.pending.keys()].sort((a, b) => a - b)) this.close(t);
  }

  private closeReady(): void {
    for (const t of [...this.pending.keys()].sort((a, b) => a - b)) {
      const at = this.pending.get(t)!;
      if (![...this.running].every((w) => at.has(w))) return;
      this.close(t);
    }
  }

  private close(t: number): void {
    const parts = [...this.pending.get(t)!.values()];
    this.pending.delete(t);
    if (t <= this.lastT) return;
    this.lastT = t;
    const latency = sumEncoded(parts.map((p) => p.latency));
    const service = sumEncoded(parts.map((p) => p.service));
    const second: IntervalStats = { t, ops: parts.reduce((a, p) => a + p.ops, 0), errors: parts.reduce((a, p) => a + p.errors, 0), latencyMs: percentilesMs(latency), serviceP99Ms: percentilesMs(service).p99 };
    this.totalOps += second.ops;
    this.errors += second.errors;
    this.recentP99.push(second.latencyMs.p99);
    if (this.recentP99.length > 5) this.recentP99.shift();
    this.onSecond?.({
      elapsedS: t,
      second,
      phase: this.plan.stageAt(Math.min(t * 1000, this.plan.totalMs - 1)).name,
      sessions: parts.reduce((a, p) => a + p.sessions, 0),
      opsPerSecond: second.ops,
      recentP99Ms: Math.max(0, ...this.recentP99),
      errors: this.errors,
      totalOps: this.totalOps,
    });
  }
}
