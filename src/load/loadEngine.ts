import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from '../target/target.js';
import { closeAppClients, createAppClients, type AppClient, type ClientEnd } from './appClients.js';
import { ChaosWindows } from './chaosWindows.js';
import type { ErrorKind } from './errorKinds.js';
import { EventHeap } from './eventHeap.js';
import { GeneratorMonitor, type GeneratorHealth, type GeneratorSecond } from './generatorMonitor.js';
import { LatencyRecorder, type IntervalStats } from './latencyRecorder.js';
import type { OperationEvent, OperationObserver } from './operationEvent.js';
import { OperationExecutor } from './operationExecutor.js';
import { populationControllers, type PopulationController, type PopulationHost } from './population/populationController.js';
import { PopulationPlan } from './population/populationPlan.js';
import { RandomSource } from './randomSource.js';
import { generatorLimits, op, operationNames, type OperationCode, type Scenario } from './scenario.js';
import { endsSession, mixKeys, nextAction, replaysToken } from './session/sessionBehaviour.js';
import * as ops from './session/sessionOperations.js';
import type { OperationOutcome, SessionState, SessionStore, SessionTtls } from './session/sessionOperations.js';
import type { SimSession } from './session/simSession.js';
import { sessionStore } from './session/sessionStore.js';
import { TargetMemorySampler, type TargetMemory } from './targetMemorySampler.js';
import { waitStrategy } from './waitStrategy.js';

export interface ProgressSnapshot {
  elapsedS: number;
  /** The second that just closed, on its own. */
  second: IntervalStats;
  phase: string;
  sessions: number;
  opsPerSecond: number;
  recentP99Ms: number;
  errors: number;
  totalOps: number;
}

/** The run clock: ms since the load started (performance.now scale), and the wall clock at that moment. */
export interface RunClock {
  now(): number;
  readonly startedAtWallMs: number;
}

export interface LoadEngineOptions {
  scenario: Scenario;
  target: Target;
  seed?: number;
  /** Where chaos windows are kept (shared with whoever opens them); default: none. */
  windows?: ChaosWindows;
  /** Told about every completed operation, synchronously, with one reused event object. */
  observers?: readonly OperationObserver[];
  onSecond?: (p: ProgressSnapshot) => void;
  /** Aborting stops the load early; the run then ends as if its stages had ended. */
  signal?: AbortSignal;
  /** Awaited once the app clients are connected, before the clock starts (chaos subscribes to sentinels here). */
  prepare?: (appClients: readonly AppClient[]) => Promise<void>;
  /** Called when the clock starts, before the first action (chaos schedules its steps here). */
  onClockStart?: (clock: RunClock) => void;
  /** Durable-write mode: each write waits this long for a replica (WAIT 1); null or absent: async writes. */
  durableWaitMs?: number | null;
}

export interface LoadResult {
  startedAt: string;
  durationMs: number;
  recorder: LatencyRecorder;
  windows: ChaosWindows;
  generator: GeneratorHealth;
  generatorSeconds: GeneratorSecond[];
  sessionsPerSecond: number[];
  peakConcurrentSessions: number;
  intendedOps: number;
  outcomes: Record<string, number>;
  memory: TargetMemory;
  aborted: boolean;
  /** App clients ioredis ended on its own (see appClients.ts): how many times, and the first few. */
  clientEnds: { count: number; first: Array<ClientEnd & { atMs: number }> };
}

/**
 * The open-model session load generator. Every action has an intended start taken from the
 * schedule alone; latency is completion minus intended start, so a stall of the target shows up
 * in full for every action that should have started during it.
 */
export async function runLoad(opts: LoadEngineOptions): Promise<LoadResult> {
  return new LoadEngine(opts).run();
}

/** What a run that never started its load reports: no operations, aborted. */
export function loadNotStarted(s: Scenario, windows = new ChaosWindows()): LoadResult {
  const limits = generatorLimits(s);
  const monitor = new GeneratorMonitor(limits.maxSchedulerLagP99Ms, windows, limits.stallThresholdMs);
  monitor.stop();
  return {
    startedAt: new Date().toISOString(), durationMs: 0, recorder: new LatencyRecorder(windows, () => false), windows, generator: monitor.health(), generatorSeconds: [],
    sessionsPerSecond: [], peakConcurrentSessions: 0, intendedOps: 0, outcomes: {}, memory: { startBytes: null, peakBytes: null, samples: [] }, aborted: true, clientEnds: { count: 0, first: [] },
  };
}

class LoadEngine implements PopulationHost {
  private readonly s: Scenario;
  private readonly plan: PopulationPlan;
  private readonly controllers: PopulationController[];
  private readonly rng: RandomSource;
  private readonly heap = new EventHeap<SimSession>();
  private readonly live: SimSession[] = [];
  private readonly windows: ChaosWindows;
  private readonly recorder: LatencyRecorder;
  private readonly monitor: GeneratorMonitor;
  private readonly executor: OperationExecutor;
  private readonly observers: readonly OperationObserver[];
  private readonly ttl: SessionTtls;
  private readonly mixWeights: number[];
  private readonly mixTotal: number;
  private stores: SessionStore[] = [];
  private t0 = 0;
  private nextId = 0;
  private loggedIn = 0;
  private peakLoggedIn = 0;
  private intendedOps = 0;
  private okOutcomes = 0;
  /** Anything but a plain 'ok': rare, so a Map is fine here. */
  private readonly otherOutcomes = new Map<string, number>();
  private readonly sessionsPerSecond: number[] = [];
  /**
   * Per-run prefix of session, family, token and nonce ids: the seed makes the schedule
   * repeatable, but two runs against the same store must never write each other's keys.
   */
  private readonly runTag = `${randomBytes(3).toString('base64url')}.`;
  private readonly userSpace: number;
  private readonly clientEnds: LoadResult['clientEnds'] = { count: 0, first: [] };
  private readonly event: OperationEvent;

  constructor(private readonly opts: LoadEngineOptions) {
    this.s = opts.scenario;
    this.plan = new PopulationPlan(this.s.stages);
    this.rng = new RandomSource(opts.seed ?? 0x9a0715);
    this.controllers = populationControllers(this.plan, this.s, this, this.rng);
    this.windows = opts.windows ?? new ChaosWindows();
    const limits = generatorLimits(this.s);
    this.monitor = new GeneratorMonitor(limits.maxSchedulerLagP99Ms, this.windows, limits.stallThresholdMs);
    this.recorder = new LatencyRecorder(this.windows, (t) => this.monitor.wasStalled(t));
    this.observers = opts.observers ?? [];
    this.executor = new OperationExecutor(this.s.generator.maxInFlight, () => this.now(), (s, code) => this.call(s, code), (...a) => this.done(...a));
    const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000));
    this.ttl = { sessionS: seconds(this.s.session.ttl.session), refreshTokenS: seconds(this.s.session.ttl.refreshToken), oauthStateS: seconds(this.s.session.ttl.oauthState) };
    this.userSpace = Math.max(1, Math.round(Math.max(this.plan.peakSessions(), 1000) * this.s.session.usersPerSession));
    this.mixWeights = mixKeys.map((k) => this.s.session.mix[k]);
    this.mixTotal = this.mixWeights.reduce((a, b) => a + b, 0);
    const placeholder: SessionState = { uid: '', sid: '', family: '', token: '', previousToken: null, version: 0, oauthNonce: null };
    this.event = { session: placeholder, client: 0, action: 'login', intendedMs: 0, sentMs: 0, doneMs: 0, outcome: 'ok', error: null };
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  /** Made once: a closure per dispatch would allocate on the hottest path. */
  private readonly pickMix = (): number => this.rng.weightedIndex(this.mixWeights, this.mixTotal);

  get liveCount(): number {
    return this.live.length;
  }

  async run(): Promise<LoadResult> {
    const clients = await createAppClients(this.opts.target, this.s.clients, (e) => {
      this.clientEnds.count++;
      if (this.clientEnds.first.length < 20) this.clientEnds.first.push({ ...e, atMs: Math.round(this.now()) });
    });
    this.stores = clients.map((client) => sessionStore(client, this.opts.durableWaitMs ?? null));
    const memory = new TargetMemorySampler(this.opts.target);
    let aborted = false;
    let startedAt = new Date().toISOString();
    let ticker: NodeJS.Timeout | undefined;
    let second = 1;
    try {
      await this.warmUp();
      await memory.start();
      await this.opts.prepare?.(clients);
      startedAt = new Date().toISOString();
      this.t0 = performance.now();
      this.opts.onClockStart?.({ now: () => this.now(), startedAtWallMs: Date.now() });
      ticker = setInterval(() => {
        void this.closeSecond(second++, memory);
      }, 1000);
      aborted = await this.loop();
      await this.drain();
    } finally {
      clearInterval(ticker);
      this.monitor.stop();
    }
    await this.closeSecond(second, memory);
    this.recorder.settleAll();
    memory.close();
    await closeAppClients(clients);
    return {
      startedAt,
      durationMs: Math.round(this.now()),
      recorder: this.recorder,
      windows: this.windows,
      generator: this.monitor.health(),
      generatorSeconds: this.monitor.seconds,
      sessionsPerSecond: this.sessionsPerSecond,
      peakConcurrentSessions: this.peakLoggedIn,
      intendedOps: this.intendedOps,
      outcomes: { ok: this.okOutcomes, ...Object.fromEntries(this.otherOutcomes) },
      memory: memory.memory,
      aborted,
      clientEnds: this.clientEnds,
    };
  }

  /** The scheduler: dispatch what is due, let the population follow the plan, wait for the next intended time. Returns true when aborted. */
  private async loop(): Promise<boolean> {
    const end = this.plan.totalMs;
    const wait = waitStrategy(this.s.generator.shortWait);
    for (;;) {
      if (this.opts.signal?.aborted) return true;
      const now = this.now();
      if (now >= end) return false;
      const controller = this.controllers[this.plan.stageIndexAt(now)]!;
      controller.control(now);
      let e = this.heap.peek();
      // Bounded per turn so replies are read between batches even when far behind schedule.
      for (let n = 0; e && e.at <= now && e.at < end && n < 2000; n++) {
        this.heap.pop();
        if (e.alive) this.dispatch(e, now);
        e = this.heap.peek();
      }
      const next = Math.min(e?.at ?? end, controller.nextAt(this.now()), end);
      await wait(next - this.now());
    }
  }

  /**
   * Not measured: a few rounds of every operation per client, so script loading (NOSCRIPT then
   * EVAL), connection set-up and JIT compilation do not land in the first second's percentiles.
   */
  private async warmUp(): Promise<void> {
    await Promise.all(
      this.stores.map(async (store, k) => {
        for (let round = 0; round < 20; round++) {
          const s: SessionState = { uid: `warmup${k}`, sid: `w${round}`, family: `fw${round}`, token: this.tokenHash(), previousToken: null, version: 0, oauthNonce: null };
          await ops.login(store, s, this.ttl, Date.now());
          await ops.request(store, s, this.ttl);
          await ops.refresh(store, s, this.ttl, this.tokenHash(), false);
          await ops.oauthBegin(store, s, this.ttl, this.tokenHash());
          await ops.oauthComplete(store, s);
          await ops.logout(store, s);
        }
        await ops.revokeAll(store, { uid: `warmup${k}`, sid: 'w', family: 'f', token: '', previousToken: null, version: 0, oauthNonce: null });
      }),
    );
  }

  private async closeSecond(t: number, memory: TargetMemorySampler): Promise<void> {
    const stats = this.recorder.closeInterval(t);
    this.monitor.closeSecond(t);
    this.sessionsPerSecond.push(this.loggedIn);
    await memory.sample(t);
    const recent = this.recorder.intervals.slice(-5);
    this.opts.onSecond?.({
      elapsedS: t,
      second: stats,
      phase: this.plan.stageAt(Math.min(this.now(), this.plan.totalMs - 1)).name,
      sessions: this.loggedIn,
      opsPerSecond: stats.ops,
      recentP99Ms: Math.max(0, ...recent.map((r) => r.latencyMs.p99)),
      errors: this.recorder.totalErrors,
      totalOps: this.recorder.totalOps,
    });
  }

  spawn(at: number, endAt: number, scheduled: boolean): void {
    if (scheduled) this.monitor.recordLag(this.now() - at);
    const id = this.nextId++;
    const clientIndex = id % this.stores.length;
    const session: SimSession = {
      id,
      uid: `u${this.rng.int(this.userSpace).toString(36)}`,
      sid: `${this.runTag}${id.toString(36)}`,
      family: `${this.runTag}f${id.toString(36)}`,
      token: this.tokenHash(),
      previousToken: null,
      version: 0,
      oauthNonce: null,
      clientIndex,
      store: this.stores[clientIndex]!,
      at,
      heapIndex: -1,
      endAt: Number.isFinite(endAt) ? endAt : at + this.rng.exponential(this.s.session.meanLifetime),
      alive: true,
      loggedIn: false,
      busy: false,
      queue: null,
      slot: this.live.length,
    };
    this.live.push(session);
    this.execute(session, op.login, at);
    this.heap.schedule(session, at + this.rng.thinkTime(this.s.session.thinkTime));
  }

  retireRandom(at: number): void {
    const victim = this.live[this.rng.int(this.live.length)]!;
    this.removeLive(victim);
    victim.endAt = at;
    this.heap.schedule(victim, at);
  }

  private removeLive(s: SimSession): void {
    if (s.slot < 0) return;
    const last = this.live.pop()!;
    if (last !== s) {
      this.live[s.slot] = last;
      last.slot = s.slot;
    }
    s.slot = -1;
  }

  private dispatch(s: SimSession, now: number): void {
    const at = s.at;
    this.monitor.recordLag(now - at);
    const action = nextAction(s, at, this.pickMix);
    this.execute(s, action, at);
    if (action === op.logout) {
      s.alive = false;
      this.removeLive(s);
      return;
    }
    this.heap.schedule(s, at + this.rng.thinkTime(this.s.session.thinkTime));
  }

  private execute(s: SimSession, action: OperationCode, at: number): void {
    this.intendedOps++;
    this.executor.execute(s, action, at);
  }

  private call(s: SimSession, action: OperationCode): Promise<OperationOutcome> {
    const store = s.store;
    switch (action) {
      case op.login:
        return ops.login(store, s, this.ttl, Date.now());
      case op.request:
        return ops.request(store, s, this.ttl);
      case op.refresh:
        return ops.refresh(store, s, this.ttl, this.tokenHash(), replaysToken(this.rng.next(), this.s.session.tokenReuseRate, s.previousToken));
      case op.oauthBegin:
        return ops.oauthBegin(store, s, this.ttl, this.tokenHash());
      case op.oauthComplete:
        return ops.oauthComplete(store, s);
      case op.logout:
        return ops.logout(store, s);
      case op.revokeAll:
        return ops.revokeAll(store, s);
    }
  }

  /** One operation completed: record it once, tell the observers, react like the app. */
  private done(s: SimSession, action: OperationCode, at: number, sent: number, doneAt: number, outcome: OperationOutcome, error: ErrorKind | null): void {
    this.recorder.record(action, at, sent, doneAt, error);
    if (error === null && outcome === 'ok') this.okOutcomes++;
    else this.otherOutcomes.set(error ?? outcome, (this.otherOutcomes.get(error ?? outcome) ?? 0) + 1);
    if (this.observers.length > 0) {
      const e = this.event;
      e.session = s;
      e.client = s.clientIndex;
      e.action = operationNames[action];
      e.intendedMs = at;
      e.sentMs = sent;
      e.doneMs = doneAt;
      e.outcome = outcome;
      e.error = error;
      for (let i = 0; i < this.observers.length; i++) this.observers[i]!.onOperation(e);
    }
    if (action === op.login) {
      if (error === null) {
        s.loggedIn = true;
        this.loggedIn++;
        if (this.loggedIn > this.peakLoggedIn) this.peakLoggedIn = this.loggedIn;
      }
      return;
    }
    const ends = endsSession(action, outcome, error !== null);
    if (ends === 'no') return;
    if (s.loggedIn) {
      s.loggedIn = false;
      this.loggedIn--;
    }
    if (ends === 'replace' && s.alive) {
      s.alive = false;
      this.removeLive(s);
      this.heap.remove(s);
      // The replacement login is a new arrival; the population controller creates it.
    }
  }

  private tokenHash(): string {
    return this.runTag + Math.floor(this.rng.next() * 2 ** 52).toString(36) + Math.floor(this.rng.next() * 2 ** 52).toString(36);
  }

  /** After the last stage: no new actions; wait for those in flight (bounded by client timeouts). */
  private async drain(): Promise<void> {
    const limit = this.s.clients.commandTimeoutMs * (this.s.clients.maxRetriesPerRequest + 2) + 2000;
    const deadline = performance.now() + limit;
    while (!this.executor.idle && performance.now() < deadline) await sleep(10);
  }
}
