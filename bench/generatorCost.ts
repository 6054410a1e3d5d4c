/**
 * CPU per session operation: gauntlet's generator against bare ioredis sending the same commands
 * at the same rate, on the same embedded topology (direct data path), in one run. The peer keeps
 * a fixed pool of logged-in sessions and, once a millisecond, sends the operations due by then
 * with the scenario's mix: the same scripts through the same ioredis clients, and nothing else
 * (no schedule per session, no histograms, no ledger).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createAppClients, closeAppClients } from '../src/load/appClients.js';
import { runLoad } from '../src/load/loadEngine.js';
import type { LoadResult } from '../src/load/loadResult.js';
import type { ProgressSnapshot } from '../src/load/loadOptions.js';
import { ledgerForScenario } from '../src/ledger/ledger.js';
import { LedgerObserver } from '../src/ledger/ledgerObserver.js';
import type { Scenario } from '../src/load/scenario.js';
import * as ops from '../src/load/session/sessionOperations.js';
import type { SessionState, SessionStore } from '../src/load/session/sessionOperations.js';
import type { Target } from '../src/target/target.js';
import { waitStrategy } from '../src/load/waitStrategy.js';
import { newHistogram, percentilesMs } from '../src/load/latencyRecorder.js';

export interface CostFigures {
  opsPerSecond: number;
  cpuUsPerOp: number;
  cpuPercent: number;
  gcMaxMs?: number;
  gcOver2Ms?: number;
  gcCount?: number;
  /** How late the operations were sent after their intended times (the generator's scheduler lag, measured the same way): p99 and max, ms. */
  lagP99Ms?: number;
  lagMaxMs?: number;
}

const ttl = { sessionS: 1800, refreshTokenS: 7200, oauthStateS: 300 };

/** How the bare-ioredis peer sends: `bursts` once a millisecond, `paced` each at its own Poisson time, `batched` those times at most every `batchMs`. */
export type PeerSending = { kind: 'bursts' } | { kind: 'paced' } | { kind: 'batched'; batchMs: number };

/** The `batched` peer's default spacing between sends (BENCH_PACED_BATCH_MS overrides it). */
export const defaultBatchMs = 0.25;

/** The `batched` peer's spacing between sends: BENCH_PACED_BATCH_MS, in ms (default `defaultBatchMs`). */
export function batchMsFromEnv(): number {
  const v = process.env.BENCH_PACED_BATCH_MS;
  if (v === undefined) return defaultBatchMs;
  const ms = Number(v);
  if (!(ms > 0 && ms <= 100)) throw new Error(`BENCH_PACED_BATCH_MS must be a number of milliseconds above 0 and at most 100, not ${JSON.stringify(v)}`);
  return ms;
}

/**
 * Bare ioredis: `rate` operations per second, counted for `seconds` after 3 s that are sent but
 * not counted (the `sessions` logins before them leave garbage the first seconds collect, which
 * the generator's steady window, after its ramp, does not hold). `bursts`: the operations due are
 * sent once a millisecond (a timer tick), as a simple load loop would. `paced`: each at its own
 * Poisson arrival time, waited for with the generator's wait strategy, as an open-model generator
 * must: the difference between the two is the price of sending on schedule; the difference
 * between paced and the generator is gauntlet's own bookkeeping (sessions, histograms, ledger).
 * `batched`: the paced times, a send at most every `batchMs` (what falls due in between goes out
 * together, up to `batchMs` late). Each operation's send lag (send time minus intended time, as
 * the generator's scheduler lag is measured) is kept for its p99 and maximum.
 */
export async function bareIoredis(target: Target, s: Scenario, rate: number, seconds: number, sessions: number, sending: PeerSending): Promise<CostFigures> {
  const clients = await createAppClients(target, s.clients);
  const stores: SessionStore[] = clients.map((client) => ({ client, waitMs: null }));
  const tag = `bare${Math.random().toString(36).slice(2, 6)}.`;
  const pool: SessionState[] = Array.from({ length: sessions }, (_, i) => ({ uid: `bu${i % Math.round(sessions * 0.8)}`, sid: `${tag}${i}`, family: `${tag}f${i}`, token: `${tag}t${i}`, previousToken: null, version: 0, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null }));
  for (let i = 0; i < pool.length; i += 2000) await Promise.all(pool.slice(i, i + 2000).map((x, k) => ops.sendLogin(stores[(i + k) % stores.length]!, x, ttl, Date.now()).then(() => ops.settleLogin(x))));
  const mix = s.session.mix;
  const total = mix.request + mix.refresh + mix.oauth + mix.revokeAll;
  let n = 0;
  let nonce = 0;
  const one = (): void => {
    const x = pool[n % pool.length]!;
    const store = stores[n % stores.length]!;
    n++;
    const r = Math.random() * total;
    // Each reply read into the session as the app would (the OAuth callback needs the nonce).
    let p: Promise<unknown>;
    if (x.oauthNonce) p = (ops.sendOauthComplete(store, x) ?? Promise.resolve(null)).then((v) => ops.settleOauthComplete(x, v, false));
    else if (r < mix.request) p = ops.sendRequest(store, x, ttl).then((v) => ops.settleRequest(x, v));
    else if (r < mix.request + mix.refresh) {
      const token = `${tag}t${n}`;
      p = ops.sendRefresh(store, x, ttl, token, false).then((v) => ops.settleRefresh(x, v, token));
    } else if (r < mix.request + mix.refresh + mix.oauth) {
      const id = `${tag}n${nonce++}`;
      p = ops.sendOauthBegin(store, x, ttl, id).then((v) => ops.settleOauthBegin(x, v, id));
    } else p = ops.sendRevokeAll(store, x).then((v) => ops.settleRevokeAll(x, v));
    p.catch(() => undefined);
  };
  // Each operation's send lag, recorded as the generator's monitor records its scheduler lag.
  const lags = newHistogram();
  const warmMs = 3000;
  const start = performance.now();
  let t0 = start + warmMs;
  let counting = false;
  let n0 = 0;
  let cpu0 = process.cpuUsage();
  const lagOf = (late: number): void => {
    if (counting) lags.recordValue(Math.max(1, Math.round(late * 1000)));
  };
  // CPU, operations and lags are counted from the same loop turn: the first at or after the warm-up.
  const countFrom = (now: number): void => {
    if (!counting && now >= t0) {
      counting = true;
      n0 = n;
      t0 = now;
      cpu0 = process.cpuUsage();
    }
  };
  const endAt = t0 + seconds * 1000;
  if (sending.kind === 'bursts') {
    let due = 0;
    for (let now = start; now < endAt; now = performance.now()) {
      countFrom(now);
      const target = ((now - start) / 1000) * rate;
      while (due < target) {
        one();
        lagOf(now - start - (due * 1000) / rate);
        due++;
      }
      await sleep(1);
    }
  } else {
    const wait = waitStrategy(s.generator.shortWait);
    const batchMs = sending.kind === 'batched' ? sending.batchMs : 0;
    let next = start;
    let sendAt = start;
    for (let now = start; now < endAt; now = performance.now()) {
      countFrom(now);
      if (now >= sendAt && next <= now) {
        while (next <= now) {
          one();
          lagOf(now - next);
          next += (-Math.log(1 - Math.random()) * 1000) / rate;
        }
        // The next send no sooner than batchMs after this one (replies are read meanwhile).
        sendAt = now + batchMs;
      }
      await wait(Math.max(sendAt, next) - performance.now());
    }
  }
  await sleep(200);
  const cpu = process.cpuUsage(cpu0);
  const wall = (performance.now() - t0) / 1000;
  await closeAppClients(clients);
  const us = cpu.user + cpu.system;
  n -= n0;
  const lag = percentilesMs(lags);
  return { opsPerSecond: n / wall, cpuUsPerOp: us / n, cpuPercent: (us / 1e6 / wall) * 100, lagP99Ms: lag.p99, lagMaxMs: lag.max };
}

/** gauntlet's generator on `s` (ledger on, as in a run): CPU per operation over its steady seconds. */
export async function generator(target: Target, s: Scenario, steadyFrom: number, steadyTo: number, onSecond?: (p: ProgressSnapshot) => void): Promise<CostFigures & { p99Ms: number; lagP99Ms: number; result: LoadResult }> {
  const ledger = ledgerForScenario(s);
  let cpuUs = 0;
  let ops = 0;
  let cpuAt = process.cpuUsage();
  const result = await runLoad({
    scenario: s,
    target,
    observers: [new LedgerObserver(ledger)],
    onSecond: (p) => {
      onSecond?.(p);
      const c = process.cpuUsage(cpuAt);
      cpuAt = process.cpuUsage();
      if (p.elapsedS > steadyFrom && p.elapsedS <= steadyTo) {
        cpuUs += c.user + c.system;
        ops += p.opsPerSecond;
      }
    },
  });
  const seconds = steadyTo - steadyFrom;
  const g = result.generator;
  const p99 = result.recorder.intervals.filter((i) => i.t > steadyFrom && i.t <= steadyTo).map((i) => i.latencyMs.p99).sort((a, b) => a - b);
  return {
    opsPerSecond: ops / seconds,
    cpuUsPerOp: cpuUs / Math.max(1, ops),
    cpuPercent: (cpuUs / 1e6 / seconds) * 100,
    gcMaxMs: g.gc.maxMs,
    gcOver2Ms: g.gc.over2Ms,
    gcCount: g.gc.count,
    p99Ms: p99[Math.floor(p99.length * 0.5)] ?? 0,
    lagP99Ms: g.schedulerLagMs.p99,
    result,
  };
}
