import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Target } from '../target/target.js';
import { EventHeap } from './eventHeap.js';
import { GeneratorMonitor, type GeneratorHealth, type GeneratorSecond } from './generatorMonitor.js';
import { LatencyRecorder } from './latencyRecorder.js';
import { PopulationPlan } from './populationPlan.js';
import { RandomSource } from './randomSource.js';
import type { OperationName, Scenario } from './scenario.js';
import * as ops from './sessionOperations.js';
import type { OperationOutcome, SessionClient, SessionState, SessionTtls } from './sessionOperations.js';
import { createAppClients, closeAppClients, type ClientEnd } from './appClients.js';
import { classifyError } from './errorKinds.js';
import { Ledger, unknownAfterError } from '../checks/ledger.js';

/** What a session does next; the operation names of the scenario API. */
type Action = OperationName;

/** One simulated session. Small on purpose: the goal is under 2 KB of generator memory each. */
interface SimSession extends SessionState {
  id: number;
  client: SessionClient;
  /** Intended time of its next action, ms since start. */
  at: number;
  heapIndex: number;
  /** Intended time at which it logs out. */
  endAt: number;
  alive: boolean;
  loggedIn: boolean;
  busy: boolean;
  /** Actions whose intended time came while the previous one was in flight. */
  queue: Array<{ action: Action; at: number }> | null;
  /** Index in the live-session array (O(1) removal). */
  slot: number;
}

export interface OperationEvent {
  client: number;
  action: OperationName;
  intendedMs: number;
  sentMs: number;
  doneMs: number;
  error: string | null;
}

export interface ProgressSnapshot {
  elapsedS: number;
  phase: string;
  sessions: number;
  opsPerSecond: number;
  recentP99Ms: number;
  errors: number;
  totalOps: number;
}

export interface LoadEngineOptions {
  scenario: Scenario;
  target: Target;
  seed?: number;
  onSecond?: (p: ProgressSnapshot) => void;
  /** Resolves to stop early (Ctrl-C); the run then ends as if its stages had ended. */
  abortSignal?: AbortSignal;
  /** Called at run time t (ms) for chaos steps; the engine does not care what they do. */
  chaosHooks?: Array<{ atMs: number; run: () => Promise<void>; windowMs: number }>;
  /** Called once before the first action with the run clock (ms since start) and the app clients. */
  onStart?: (clock: () => number, appClients: readonly Redis[]) => Promise<void>;
  /** The ledger to record into (default: a new one); passing it lets a caller snapshot it mid-run. */
  ledger?: Ledger;
  /** Durable-write mode: WAIT for one replica after each write (see sessionOperations.makeDurable). */
  durable?: { waitMs: number };
  /** Every completed operation (times in ms since run start). */
  onOperation?: (o: OperationEvent) => void;
}

export interface MemorySample {
  t: number;
  usedBytes: number;
}

export interface LoadResult {
  startedAt: string;
  durationMs: number;
  recorder: LatencyRecorder;
  generator: GeneratorHealth;
  generatorSeconds: GeneratorSecond[];
  sessionsPerSecond: number[];
  peakConcurrentSessions: number;
  intendedOps: number;
  outcomes: Record<string, number>;
  memory: { startBytes: number | null; peakBytes: number | null; samples: MemorySample[] };
  aborted: boolean;
  ledger: Ledger;
  /** App clients ioredis ended on its own (see appClients.ts): how many times, and the first few. */
  clientEnds: { count: number; first: Array<ClientEnd & { atMs: number }> };
}

/** Atomics.wait needs a shared cell; nothing ever notifies it, so a wait is a plain bounded sleep. */
const shortWaitCell = new Int32Array(new SharedArrayBuffer(4));
const mixKeys = ['request', 'refresh', 'oauth', 'revokeAll'] as const;

/**
 * The open-model session load generator (design.md, "Measurement rules"). Every action has an
 * intended start taken from the schedule alone; latency is completion minus intended start, so
 * a stall of the target shows up in full for every action that should have started during it.
 */
/** The ledger a run of `s` records into: its TTLs rounded to the whole seconds the engine writes. */
export function ledgerForScenario(s: Scenario): Ledger {
  const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000)) * 1000;
  return new Ledger({ sessionMs: seconds(s.session.ttl.session), refreshTokenMs: seconds(s.session.ttl.refreshToken) });
}

export async function runLoad(opts: LoadEngineOptions): Promise<LoadResult> {
  const engine = new LoadEngine(opts);
  return engine.run();
}

class LoadEngine {
  private readonly s: Scenario;
  private readonly plan: PopulationPlan;
  private readonly rng: RandomSource;
  private readonly heap = new EventHeap<SimSession>();
  private readonly live: SimSession[] = [];
  private readonly recorder = new LatencyRecorder();
  private readonly monitor: GeneratorMonitor;
  private readonly ttl: SessionTtls;
  private clients: SessionClient[] = [];
  private t0 = 0;
  private nextId = 0;
  private loggedIn = 0;
  private peakLoggedIn = 0;
  private inFlight = 0;
  private intendedOps = 0;
  /** Actions waiting for an in-flight slot (maxInFlight): a queue read from `backlogHead`. */
  private backlog: Array<{ s: SimSession; action: Action; at: number }> = [];
  private backlogHead = 0;
  private readonly outcomes: Record<string, number> = {};
  private readonly sessionsPerSecond: number[] = [];
  private nextLoginAt = -1;
  private rampStage = -1;
  private rampIssued = 0;
  /**
   * Per-run prefix of session, family, token and nonce ids: the seed makes the schedule
   * repeatable, but two runs against the same store must never write each other's keys.
   */
  private readonly runTag = `${randomBytes(3).toString('base64url')}.`;
  private readonly userSpace: number;
  private readonly mixTotal: number;
  private memory: LoadResult['memory'] = { startBytes: null, peakBytes: null, samples: [] };
  private readonly clientEnds: LoadResult['clientEnds'] = { count: 0, first: [] };
  private readonly ledger: Ledger;

  constructor(private readonly opts: LoadEngineOptions) {
    this.s = opts.scenario;
    this.plan = new PopulationPlan(this.s.stages);
    this.rng = new RandomSource(opts.seed ?? 0x9a0715);
    this.monitor = new GeneratorMonitor(this.s.generator.maxSchedulerLagP99Ms);
    this.ttl = {
      sessionS: Math.max(1, Math.round(this.s.session.ttl.session / 1000)),
      refreshTokenS: Math.max(1, Math.round(this.s.session.ttl.refreshToken / 1000)),
      oauthStateS: Math.max(1, Math.round(this.s.session.ttl.oauthState / 1000)),
    };
    this.ledger = opts.ledger ?? ledgerForScenario(this.s);
    const peak = Math.max(this.plan.peakSessions(), 1000);
    this.userSpace = Math.max(1, Math.round(peak * this.s.session.usersPerSession));
    this.mixTotal = mixKeys.reduce((a, k) => a + this.s.session.mix[k], 0);
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  async run(): Promise<LoadResult> {
    this.clients = await createAppClients(this.opts.target, this.s.clients, (e) => {
      this.clientEnds.count++;
      if (this.clientEnds.first.length < 20) this.clientEnds.first.push({ ...e, atMs: Math.round(this.now()) });
    });
    if (this.opts.durable) for (const c of this.clients) ops.makeDurable(c, this.opts.durable.waitMs);
    await this.warmUp();
    const memClient = this.memoryClient();
    this.memory.startBytes = await usedMemory(memClient);
    this.memory.peakBytes = this.memory.startBytes;
    this.t0 = performance.now();
    await this.opts.onStart?.(() => this.now(), this.clients);
    const startedAt = new Date().toISOString();
    this.t0 = performance.now();
    for (const hook of this.opts.chaosHooks ?? []) {
      this.monitor.addChaosWindow(hook.atMs, hook.atMs + hook.windowMs);
      this.recorder.addChaosWindow(hook.atMs, hook.atMs + hook.windowMs);
    }
    const chaos = (this.opts.chaosHooks ?? []).map((h) => ({ ...h, started: false }));
    let second = 1;
    const ticker = setInterval(() => {
      void this.closeSecond(second++, memClient);
    }, 1000);
    let aborted = false;
    try {
      const end = this.plan.totalMs;
      for (;;) {
        if (this.opts.abortSignal?.aborted) {
          aborted = true;
          break;
        }
        const now = this.now();
        if (now >= end) break;
        for (const c of chaos) {
          if (!c.started && now >= c.atMs) {
            c.started = true;
            void c.run();
          }
        }
        this.controlPopulation(now);
        let e = this.heap.peek();
        // Bounded per turn so replies are read between batches even when far behind schedule.
        for (let n = 0; e && e.at <= now && e.at < end && n < 2000; n++) {
          this.heap.pop();
          if (e.alive) this.dispatch(e, now);
          e = this.heap.peek();
        }
        const next = Math.min(e?.at ?? end, this.nextControlAt(this.now()), end);
        await this.waitUntilDue(next - this.now());
      }
      await this.drain();
    } finally {
      clearInterval(ticker);
      this.monitor.stop();
    }
    await this.closeSecond(second, memClient);
    memClient.disconnect();
    await closeAppClients(this.clients);
    return {
      startedAt,
      durationMs: Math.round(this.now()),
      recorder: this.recorder,
      generator: this.monitor.health(),
      generatorSeconds: this.monitor.seconds,
      sessionsPerSecond: this.sessionsPerSecond,
      peakConcurrentSessions: this.peakLoggedIn,
      intendedOps: this.intendedOps,
      outcomes: this.outcomes,
      memory: this.memory,
      aborted,
      ledger: this.ledger,
      clientEnds: this.clientEnds,
    };
  }

  /**
   * Timers have ~1 ms granularity, so a wait below 1.5 ms is either a spin (yield to I/O and
   * look again: dispatch and replies timed within microseconds, one core kept busy) or, with
   * `generator.shortWait: 'block'`, a thread sleep of at most 0.25 ms before yielding to I/O:
   * about half the CPU, but replies arriving meanwhile are read up to 0.25 ms late
   * (docs/benchmarks.md, "Short waits").
   */
  private async waitUntilDue(waitMs: number): Promise<void> {
    if (waitMs >= 1.5) {
      await sleep(Math.floor(waitMs - 0.5));
      return;
    }
    if (this.s.generator.shortWait === 'block' && waitMs > 0.05) Atomics.wait(shortWaitCell, 0, 0, Math.min(waitMs, 0.25));
    await new Promise<void>((r) => setImmediate(r));
  }

  /**
   * Not measured: a few rounds of every operation per client, so script loading (NOSCRIPT then
   * EVAL), connection set-up and JIT compilation do not land in the first second's percentiles.
   */
  private async warmUp(): Promise<void> {
    await Promise.all(
      this.clients.map(async (client, k) => {
        for (let round = 0; round < 20; round++) {
          const s: SessionState = { uid: `warmup${k}`, sid: `w${round}`, family: `fw${round}`, token: this.tokenHash(), previousToken: null, version: 0, oauthNonce: null };
          await ops.login(client, s, this.ttl, Date.now());
          await ops.request(client, s, this.ttl);
          await ops.refresh(client, s, this.ttl, this.tokenHash(), false);
          await ops.oauthBegin(client, s, this.ttl, this.tokenHash());
          await ops.oauthComplete(client, s);
          await ops.logout(client, s);
        }
        await ops.revokeAll(client, { uid: `warmup${k}`, sid: 'w', family: 'f', token: '', previousToken: null, version: 0, oauthNonce: null });
      }),
    );
  }

  /** A plain client to the master for INFO memory: the topology's control connection when we own it. */
  private memoryClient(): Redis {
    const c = new Redis({ ...this.opts.target.clientOptions(), lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'gauntlet-memory' });
    c.on('error', () => undefined);
    return c;
  }

  private async closeSecond(t: number, memClient: Redis): Promise<void> {
    const stats = this.recorder.closeInterval(t);
    this.monitor.closeSecond(t);
    this.sessionsPerSecond.push(this.loggedIn);
    const used = await usedMemory(memClient);
    if (used !== null) {
      this.memory.samples.push({ t, usedBytes: used });
      this.memory.peakBytes = Math.max(this.memory.peakBytes ?? 0, used);
    }
    const recent = this.recorder.intervals.slice(-5);
    this.opts.onSecond?.({
      elapsedS: t,
      phase: this.plan.stageAt(Math.min(this.now(), this.plan.totalMs - 1)).name,
      sessions: this.loggedIn,
      opsPerSecond: stats.ops,
      recentP99Ms: Math.max(0, ...recent.map((r) => r.latencyMs.p99)),
      errors: this.recorder.totalErrors,
      totalOps: this.recorder.totalOps,
    });
  }

  /** Creates and ends sessions so the population follows the plan (session stages) or the login rate. */
  private controlPopulation(now: number): void {
    const i = this.plan.stageIndexAt(now);
    const stage = this.plan.stageAt(now);
    const target = this.plan.targetSessions(now);
    if (target === null) {
      if (this.nextLoginAt < this.plan.stageStart(i)) this.nextLoginAt = this.plan.stageStart(i);
      const interval = 1000 / (stage.loginRate ?? 1);
      while (this.nextLoginAt <= now) {
        this.spawn(this.nextLoginAt, this.nextLoginAt + this.rng.exponential(this.s.session.meanLifetime), true);
        this.nextLoginAt += interval;
      }
      return;
    }
    this.nextLoginAt = -1;
    if (this.rampStage !== i) {
      this.rampStage = i;
      this.rampIssued = Math.floor(this.plan.targetSessions(this.plan.stageStart(i)) ?? 0);
    }
    while (this.live.length < Math.floor(target)) {
      if (this.rampIssued < Math.floor(target)) {
        // The k-th login of a ramp: its intended time comes from the plan alone.
        const at = this.plan.timeOfCount(i, ++this.rampIssued);
        this.spawn(Math.min(at, now), Infinity, true);
      } else {
        // Replaces a session that ended early (revoked, found gone): a new arrival, now.
        this.spawn(now, Infinity, false);
      }
    }
    while (this.live.length > Math.ceil(target)) {
      const victim = this.live[this.rng.int(this.live.length)]!;
      const at = Math.min(now, this.plan.timeOfCount(i, this.live.length - 1));
      this.removeLive(victim);
      victim.endAt = at;
      this.schedule(victim, at);
    }
  }

  /** When the population controller next has something to do (a ramp step, a rate tick, a stage change). */
  private nextControlAt(now: number): number {
    const i = this.plan.stageIndexAt(now);
    const stageEnd = i + 1 < this.s.stages.length ? this.plan.stageStart(i + 1) : this.plan.totalMs;
    const target = this.plan.targetSessions(now);
    if (target === null) return Math.min(this.nextLoginAt, stageEnd);
    if (this.live.length < Math.floor(target)) return now;
    const from = this.plan.targetSessions(this.plan.stageStart(i)) ?? 0;
    const to = this.s.stages[i]!.sessions ?? from;
    if (to > from) return Math.min(this.plan.timeOfCount(i, Math.max(this.rampIssued, this.live.length) + 1), stageEnd);
    if (to < from) return Math.min(this.plan.timeOfCount(i, this.live.length - 1), stageEnd);
    return stageEnd;
  }

  private spawn(at: number, endAt: number, scheduled: boolean): void {
    if (scheduled) this.monitor.recordLag(this.now() - at, at);
    const id = this.nextId++;
    const session: SimSession = {
      id,
      uid: `u${this.rng.int(this.userSpace).toString(36)}`,
      sid: `${this.runTag}${id.toString(36)}`,
      family: `${this.runTag}f${id.toString(36)}`,
      token: this.tokenHash(),
      previousToken: null,
      version: 0,
      oauthNonce: null,
      client: this.clients[id % this.clients.length]!,
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
    this.execute(session, 'login', at);
    this.schedule(session, at + this.rng.thinkTime(this.s.session.thinkTime));
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

  private schedule(s: SimSession, at: number): void {
    this.heap.schedule(s, at);
  }

  private dispatch(s: SimSession, now: number): void {
    const at = s.at;
    this.monitor.recordLag(now - at, at);
    let action: Action;
    if (at >= s.endAt) action = 'logout';
    else if (s.oauthNonce) action = 'oauthComplete';
    else {
      const pick = this.rng.weighted(this.s.session.mix, mixKeys, this.mixTotal);
      action = pick === 'oauth' ? 'oauthBegin' : pick;
    }
    this.execute(s, action, at);
    if (action === 'logout') {
      s.alive = false;
      this.removeLive(s);
      return;
    }
    this.schedule(s, at + this.rng.thinkTime(this.s.session.thinkTime));
  }

  private execute(s: SimSession, action: Action, at: number): void {
    this.intendedOps++;
    if (s.busy) {
      (s.queue ??= []).push({ action, at });
      return;
    }
    s.busy = true;
    if (this.inFlight >= this.s.generator.maxInFlight) this.backlog.push({ s, action, at });
    else void this.perform(s, action, at);
  }

  private async perform(s: SimSession, action: Action, at: number): Promise<void> {
    this.inFlight++;
    const sent = this.now();
    let error: string | null = null;
    let outcome: OperationOutcome = 'ok';
    try {
      outcome = await this.call(s, action);
    } catch (e) {
      error = classifyError(e as Error);
    }
    const done = this.now();
    this.inFlight--;
    this.recorder.record(action, at, sent, done, error);
    this.opts.onOperation?.({ client: s.id % this.clients.length, action, intendedMs: at, sentMs: sent, doneMs: done, error });
    const result = error ?? outcome;
    this.outcomes[result] = (this.outcomes[result] ?? 0) + 1;
    this.recordInLedger(s, action, outcome, error);
    this.afterOutcome(s, action, outcome, error);
    s.busy = false;
    const next = s.queue?.shift();
    if (next) {
      s.busy = true;
      void this.perform(s, next.action, next.at);
    } else s.queue = null;
    if (this.backlogHead < this.backlog.length) {
      const w = this.backlog[this.backlogHead++]!;
      if (this.backlogHead === this.backlog.length) {
        this.backlog = [];
        this.backlogHead = 0;
      }
      void this.perform(w.s, w.action, w.at);
    }
  }

  private call(s: SimSession, action: Action): Promise<OperationOutcome> {
    switch (action) {
      case 'login':
        return ops.login(s.client, s, this.ttl, Date.now());
      case 'request':
        return ops.request(s.client, s, this.ttl);
      case 'refresh':
        return ops.refresh(s.client, s, this.ttl, this.tokenHash(), this.rng.next() < this.s.session.tokenReuseRate && s.previousToken !== null);
      case 'oauthBegin':
        return ops.oauthBegin(s.client, s, this.ttl, this.tokenHash());
      case 'oauthComplete':
        return ops.oauthComplete(s.client, s);
      case 'logout':
        return ops.logout(s.client, s);
      case 'revokeAll':
        return ops.revokeAll(s.client, s);
    }
  }

  /** What the store acknowledged, for the verification pass (src/checks/ledger.ts). */
  private recordInLedger(s: SimSession, action: Action, outcome: OperationOutcome, error: string | null): void {
    const l = this.ledger;
    const wall = Date.now();
    if (error) {
      const unknown = unknownAfterError(action);
      if (unknown === 'session-existence') l.loginIndeterminate(s.uid, s.sid, s.family, s.token, wall);
      else if (unknown === 'user') l.indeterminateUser(s.uid);
      else if (unknown === 'session') l.indeterminate(s.sid);
      return;
    }
    switch (action) {
      case 'login':
        l.loginAcked(s.uid, s.sid, s.family, s.token, wall);
        break;
      case 'request':
        if (outcome === 'ok' && s.lastRead !== null && s.lastRead !== undefined) l.touched(s.sid, s.lastRead, wall);
        break;
      case 'refresh':
        if (outcome === 'ok') l.rotated(s.sid, s.token, s.version, wall);
        else if (outcome === 'session-gone') l.rotated(s.sid, s.token, null, wall);
        else if (outcome === 'token-reuse-revoked') l.ended(s.sid);
        break;
      case 'logout':
        l.ended(s.sid);
        break;
      case 'revokeAll':
        for (const sid of s.revoked ?? []) l.ended(sid);
        s.revoked = null;
        break;
      default:
        break;
    }
  }

  /** Reacts like the app: a session found gone or revoked ends, and its user logs in again. */
  private afterOutcome(s: SimSession, action: Action, outcome: OperationOutcome, error: string | null): void {
    if (action === 'login' && !error) {
      s.loggedIn = true;
      this.loggedIn++;
      this.peakLoggedIn = Math.max(this.peakLoggedIn, this.loggedIn);
      return;
    }
    const ended = action === 'logout' || action === 'revokeAll' || outcome === 'session-gone' || outcome === 'token-reuse-revoked' || outcome === 'token-rejected';
    if (!ended) return;
    if (s.loggedIn) {
      s.loggedIn = false;
      this.loggedIn--;
    }
    if (s.alive && action !== 'logout') {
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
    while ((this.inFlight > 0 || this.backlogHead < this.backlog.length) && performance.now() < deadline) await sleep(10);
  }
}

async function usedMemory(c: Redis): Promise<number | null> {
  try {
    const info = await c.info('memory');
    const m = /used_memory:(\d+)/.exec(info);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
