import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { closeAppClients, createAppClients } from './appClients.js';
import { ChaosWindows } from './chaosWindows.js';
import type { ErrorKind } from './errorKinds.js';
import { EventHeap } from './eventHeap.js';
import { makeHeapRoomForRun } from './generatorHeap.js';
import { GeneratorMonitor } from './generatorMonitor.js';
import { LatencyRecorder } from './latencyRecorder.js';
import type { OperationEvent, OperationObserver } from './operationEvent.js';
import { OperationExecutor } from './operationExecutor.js';
import { populationControllers, type PopulationController, type PopulationHost } from './population/populationController.js';
import { PopulationPlan } from './population/populationPlan.js';
import { wholeSchedule } from './population/schedulePartition.js';
import { RandomSource } from './randomSource.js';
import { SessionRandom, SessionSeeds } from './sessionRandom.js';
import { generatorLimits, op, operationNames, type OperationCode, type Scenario } from './scenario.js';
import { endsSession, mixKeys, nextAction } from './session/sessionBehaviour.js';
import { sendOperation, settleOperation } from './session/performOperation.js';
import type { OperationOutcome, SessionState, SessionStore, SessionTtls } from './session/sessionOperations.js';
import { warmUpScripts } from './session/scriptWarmUp.js';
import type { SimSession } from './session/simSession.js';
import { sessionStore } from './session/sessionStore.js';
import { TargetMemorySampler } from './targetMemorySampler.js';
import { waitStrategy } from './waitStrategy.js';
import type { LoadEngineOptions } from './loadOptions.js';
import type { LoadResult } from './loadResult.js';

/** Just before an end: what is intended before it still belongs to the stage (and the run). */
const lastMoment = 1e-6;
/** How long past the run's end the loop still sends what was intended before it. */
const backlogGraceMs = 2000;

/**
 * The open-model session load generator. Every action has an intended start taken from the
 * schedule alone; latency is completion minus intended start, so a stall of the target shows up
 * in full for every action that should have started during it.
 */
export async function runLoad(opts: LoadEngineOptions): Promise<LoadResult> {
  return new LoadEngine(opts).run();
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
  /** The second the recorder is filling: its operations are closed into second t by the t-th tick. */
  private openSecond = 1;

  constructor(private readonly opts: LoadEngineOptions) {
    this.s = opts.scenario;
    this.plan = new PopulationPlan(this.s.stages);
    this.rng = new RandomSource(opts.seed ?? 0x9a0715);
    const partition = opts.partition ?? wholeSchedule;
    this.controllers = populationControllers(this.plan, this.s, this, new SessionSeeds(opts.seed ?? 0x9a0715, partition), partition);
    this.windows = opts.windows ?? new ChaosWindows();
    const limits = generatorLimits(this.s);
    this.monitor = new GeneratorMonitor(limits.maxSchedulerLagP99Ms, this.windows, limits.stallThresholdMs);
    this.recorder = new LatencyRecorder(this.windows, (t) => this.monitor.wasStalled(t));
    this.observers = opts.observers ?? [];
    this.executor = new OperationExecutor(
      this.s.generator.maxInFlight,
      () => this.now(),
      (s, code) => sendOperation(s, code, this.ttl, this.newToken, this.s.session.tokenReuseRate),
      settleOperation,
      (...a) => this.done(...a),
    );
    const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000));
    this.ttl = { sessionS: seconds(this.s.session.ttl.session), refreshTokenS: seconds(this.s.session.ttl.refreshToken), oauthStateS: seconds(this.s.session.ttl.oauthState) };
    this.userSpace = Math.max(1, Math.round(Math.max(this.plan.peakSessions(), 1000) * this.s.session.usersPerSession));
    this.mixWeights = mixKeys.map((k) => this.s.session.mix[k]);
    this.mixTotal = this.mixWeights.reduce((a, b) => a + b, 0);
    const placeholder: SessionState = { uid: '', sid: '', family: '', token: '', previousToken: null, version: 0, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null };
    this.event = { session: placeholder, client: 0, action: 'login', intendedMs: 0, readyMs: 0, sentMs: 0, doneMs: 0, second: 1, outcome: 'ok', error: null };
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  /** The stream of the session being dispatched, for `pickMix`. */
  private drawing: RandomSource | null = null;
  /** Made once: a closure per dispatch would allocate on the hottest path. */
  private readonly pickMix = (): number => this.drawing!.weightedIndex(this.mixWeights, this.mixTotal);

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
    try {
      await warmUpScripts(this.stores, this.ttl, () => this.tokenOf(this.rng.next(), this.rng.next()));
      await memory.start();
      await this.opts.prepare?.(clients);
      // Worker threads share V8's flags with the whole process: one thread's growing factor would race another's.
      if (isMainThread) makeHeapRoomForRun();
      const startAt = await this.opts.clockStart?.();
      if (startAt !== undefined) await sleep(Math.max(0, startAt - performance.timeOrigin - performance.now()));
      startedAt = new Date().toISOString();
      this.t0 = startAt === undefined ? performance.now() : startAt - performance.timeOrigin;
      this.monitor.clockStarted();
      this.opts.onClockStart?.({ now: () => this.now(), startedAtWallMs: startAt === undefined ? Date.now() : Math.round(startAt) });
      ticker = setInterval(() => {
        void this.closeSecond(this.openSecond++, memory);
      }, 1000);
      aborted = await this.loop();
      await this.drain();
    } finally {
      clearInterval(ticker);
      this.monitor.stop();
    }
    await this.closeSecond(this.openSecond, memory);
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
      intendedOps: this.recorder.intendedOps,
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
    let stage = 0;
    for (;;) {
      if (this.opts.signal?.aborted) return true;
      const now = this.now();
      // What the schedule intends before a stage's end (or the run's) is offered even when the
      // loop wakes after it: the schedule, not the wake-up, decides what a run offers.
      const upTo = now < end ? now : end - lastMoment;
      const current = this.plan.stageIndexAt(upTo);
      for (; stage < current; stage++) this.controllers[stage]!.control(this.plan.stageEnd(stage));
      const controller = this.controllers[current]!;
      controller.control(upTo);
      let e = this.heap.peek();
      // Bounded per turn so replies are read between batches even when far behind schedule.
      for (let n = 0; e && e.at <= upTo && n < 2000; n++) {
        this.heap.pop();
        if (e.alive) this.dispatch(e, now);
        e = this.heap.peek();
      }
      if (now >= end) {
        // Sessions that ended in this turn left successors intended before the end: they are
        // offered as they would have been had the loop woken before it.
        controller.control(upTo);
        e = this.heap.peek();
        if (!e || e.at > upTo) return false;
        // A generator that fell far behind would otherwise replay the whole schedule after the
        // end: the backlog gets a bounded grace, then stops. What is still due then was intended
        // and never sent (each session's next action, and those its think times put before the
        // end or its logout): each counts as intended, with the lag it has now, so the cut shows
        // in the lag and throughput gates instead of leaving both.
        if (now >= end + backlogGraceMs) {
          this.heap.takeDue(upTo, (s) => {
            if (!s.alive) return;
            for (let at = s.at; at <= upTo; ) {
              this.recorder.intended(at);
              this.monitor.recordLag(now - at);
              // Its logout is its last action.
              if (at >= s.endAt) break;
              const think = s.rng.thinkTime(this.s.session.thinkTime);
              at += think > 0 ? think : 1;
            }
          });
          return false;
        }
        await wait(0);
        continue;
      }
      const next = Math.min(e?.at ?? end, controller.nextAt(this.now()), end);
      await wait(next - this.now());
    }
  }

  private async closeSecond(t: number, memory: TargetMemorySampler): Promise<void> {
    const stats = this.recorder.closeInterval(t);
    // Half a second later, apart from this tick's work (see settleDue).
    setTimeout(() => this.recorder.settleDue(t), 500).unref();
    this.opts.onIntervalClosed?.(t, this.recorder.overall);
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

  spawn(at: number, scheduled: boolean, seed: number): void {
    if (scheduled) this.monitor.recordLag(this.now() - at);
    const id = this.nextId++;
    const clientIndex = id % this.stores.length;
    const rng = new SessionRandom(seed);
    const session: SimSession = {
      id,
      rng,
      uid: `u${rng.int(this.userSpace).toString(36)}`,
      sid: `${this.runTag}${id.toString(36)}`,
      family: `${this.runTag}f${id.toString(36)}`,
      token: this.tokenOf(rng.next(), rng.next()),
      previousToken: null,
      version: 0,
      oauthNonce: null,
      consumedNonce: null,
      lastRead: null,
      revoked: null,
      clientIndex,
      store: this.stores[clientIndex]!,
      at,
      heapIndex: -1,
      endAt: at + rng.exponential(this.s.session.meanLifetime),
      alive: true,
      loggedIn: false,
      busy: false,
      queue: null,
      slot: this.live.length,
      opCode: op.login,
      opAt: 0,
      opReady: 0,
      opSent: 0,
      proposed: null,
      sentCloses: 0,
      onReply: null,
      onError: null,
    };
    this.executor.attach(session);
    this.live.push(session);
    this.execute(session, op.login, at);
    this.heap.schedule(session, at + rng.thinkTime(this.s.session.thinkTime));
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
    this.drawing = s.rng;
    const action = nextAction(s, at, this.pickMix);
    this.execute(s, action, at);
    if (action === op.logout) {
      s.alive = false;
      this.removeLive(s);
      this.sessionEnded(s, at);
      return;
    }
    this.heap.schedule(s, at + s.rng.thinkTime(this.s.session.thinkTime));
  }

  private execute(s: SimSession, action: OperationCode, at: number): void {
    this.recorder.intended(at);
    this.executor.execute(s, action, at);
  }

  /** One operation completed: record it once, tell the observers, react like the app. */
  private done(s: SimSession, action: OperationCode, at: number, ready: number, sent: number, doneAt: number, outcome: OperationOutcome, error: ErrorKind | null): void {
    this.recorder.record(action, at, ready, sent, doneAt, error);
    if (error === null && outcome === 'ok') this.okOutcomes++;
    else this.otherOutcomes.set(error ?? outcome, (this.otherOutcomes.get(error ?? outcome) ?? 0) + 1);
    if (this.observers.length > 0) {
      const e = this.event;
      e.session = s;
      e.client = s.clientIndex;
      e.action = operationNames[action];
      e.intendedMs = at;
      e.readyMs = ready;
      e.sentMs = sent;
      e.doneMs = doneAt;
      e.second = this.openSecond;
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
      this.sessionEnded(s, doneAt);
    }
  }

  /** Tells the stage's controller, which may replace the session by its successor. */
  private sessionEnded(s: SimSession, at: number): void {
    this.controllers[this.plan.stageIndexAt(at)]!.ended?.(s.rng.seed, at);
  }

  /** Made once, like pickMix: the operation switch draws a session's next token through it. */
  private readonly newToken = (rng: SessionRandom): string => this.tokenOf(rng.nextAtSend(), rng.nextAtSend());

  /** A token (or nonce) from two draws in [0, 1). */
  private tokenOf(a: number, b: number): string {
    return this.runTag + Math.floor(a * 2 ** 52).toString(36) + Math.floor(b * 2 ** 52).toString(36);
  }

  /** After the last stage: no new actions; wait for those in flight (bounded by client timeouts). */
  private async drain(): Promise<void> {
    const limit = this.s.clients.commandTimeoutMs * (this.s.clients.maxRetriesPerRequest + 2) + 2000;
    const deadline = performance.now() + limit;
    while (!this.executor.idle && performance.now() < deadline) await sleep(10);
  }
}
