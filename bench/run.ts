/**
 * npm run bench: figures for the load engine, each beside a peer measured in the same run, in the
 * order they print:
 *   1. ledger memory: heap per tracked session and key (200,000 sessions, no server)
 *   2. raw capacity: our client layer (ioredis, auto-pipelining, 50 SETs in flight on one
 *      connection) vs redis-benchmark -c 1 -P 50 (SET, 64-byte values, one redis-server, no proxy)
 *   3. measurement overhead: our p50 with one command in flight vs redis-benchmark -c 1 p50
 *   4. steady-50k on a detached embedded topology, direct data path: first bare ioredis sending
 *      the same scripts at the steady rate for 20 s after 3 s not counted (in bursts once a
 *      millisecond, then each at its own Poisson time, then those times sent at most every
 *      BENCH_PACED_BATCH_MS, default 0.25 ms), each peer's send lag measured as the generator's
 *      scheduler lag is; then the generator: rates, percentiles, scheduler lag, CPU per
 *      operation against the three, GC pauses in the steady window, generator memory per
 *      simulated session; each of the four in a process of its own (bench/steadyMeasurement.ts)
 *   5. workers: operations per second and CPU per operation with 1 and 2 load workers, offered
 *      more than one worker can send (4x steady-50k's rate), against one detached topology
 * Prints figures only; nothing here asserts a time (machines are shared and noisy).
 * BENCH_STEADY_DURATION (default 60s) sets the steady stage; BENCH_SKIP_STEADY=1 skips part 4;
 * BENCH_WORKERS_DURATION (default 30s) sets part 5's steady phase, BENCH_WORKERS_FACTOR (default 4)
 * its rate (times steady-50k's), BENCH_SKIP_WORKERS=1 skips it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import ms from 'ms';
import { freePort } from '../src/topology/freePort.js';
import { startServerProcess, stopProcess } from '../src/topology/processControl.js';
import { findBinaries } from '../src/topology/prerequisites.js';
import { newHistogram, percentilesMs } from '../src/load/latencyRecorder.js';
import { loadScenario } from '../src/load/loadScenario.js';
import { applyOverrides } from '../src/load/scenario.js';
import type { GeneratorFigures, SteadyFigures, SteadyKind } from './steadyMeasurement.js';
import { batchMsFromEnv } from './generatorCost.js';
import { EmbeddedTopology } from '../src/topology/embeddedTopology.js';
import { Ledger } from '../src/ledger/ledger.js';
import { workerScaling } from './workerScaling.js';
import { benchInterrupted, startedFor, stopOnInterrupt } from './interruptCleanup.js';

const run = promisify(execFile);

interface BenchmarkCsv {
  rps: number;
  p50: number;
}

async function redisBenchmark(port: number, clients: number, requests: number, pipeline = 1): Promise<BenchmarkCsv> {
  const { stdout } = await run('redis-benchmark', ['-p', String(port), '-c', String(clients), '-P', String(pipeline), '-n', String(requests), '-t', 'set', '-d', '64', '-r', '100000', '--csv'], { signal: benchInterrupted });
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...
  const line = stdout.trim().split('\n').find((l) => l.startsWith('"SET"'));
  if (!line) throw new Error(`unexpected redis-benchmark output: ${stdout}`);
  const cols = line.split(',').map((c) => Number(c.replace(/"/g, '')));
  return { rps: cols[1]!, p50: cols[4]! };
}

/** Our client layer in a closed loop: `inFlight` SETs outstanding at all times, for `total` SETs. */
async function ours(port: number, inFlight: number, total: number): Promise<{ rps: number; p50: number }> {
  const client = new Redis({ port, host: '127.0.0.1', enableAutoPipelining: true });
  const hist = newHistogram();
  const value = 'x'.repeat(64);
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (issued < total) {
        const k = issued++;
        const sent = performance.now();
        await client.set(`key:${k % 100_000}`, value);
        hist.recordValue(Math.max(1, Math.round((performance.now() - sent) * 1000)));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  client.disconnect();
  return { rps: total / seconds, p50: percentilesMs(hist).p50 };
}

/** Whether a redis-server accepts connections on `port` yet (a refused probe is expected while it starts). */
async function answers(port: number): Promise<boolean> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined);
  const up = await probe.connect().then(() => true, () => false);
  probe.disconnect();
  return up;
}

/** A redis-server of its own (no persistence, no proxy) in a fresh directory, for the raw comparisons. */
async function startRawServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const { redisServer } = await findBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-bench-'));
  const port = await freePort();
  const pid = startServerProcess(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { cwd: dir, logFile: join(dir, 'redis.log') });
  return {
    port,
    stop: async () => {
      await stopProcess(pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function rawComparisons(): Promise<void> {
  await startedFor(startRawServer, async ({ port }) => {
    for (let i = 0; i < 50 && !(await answers(port)); i++) await sleep(100);
    await ours(port, 50, 50_000); // warm up JIT and the server
    // Equal conditions: one connection with 50 commands in flight, pipelined, on both sides
    // (ioredis auto-pipelining batches what is issued in one tick; -P 50 sends batches of 50).
    const peer50 = await redisBenchmark(port, 1, 300_000, 50);
    const us50 = await ours(port, 50, 300_000);
    console.log('\n== raw capacity: SET, 64-byte values, one connection, 50 commands in flight, pipelined; one redis-server, no proxy ==');
    console.log(`redis-benchmark -c 1 -P 50: ${peer50.rps.toFixed(0)} commands/s`);
    console.log(`gauntlet client layer (ioredis, auto-pipelining, 50 in flight): ${us50.rps.toFixed(0)} commands/s`);
    console.log(`ratio: ${(us50.rps / peer50.rps).toFixed(2)}`);
    const peer1 = await redisBenchmark(port, 1, 50_000);
    const us1 = await ours(port, 1, 50_000);
    console.log('\n== measurement overhead: SET, one command in flight ==');
    console.log(`redis-benchmark -c 1 p50: ${peer1.p50.toFixed(3)} ms`);
    console.log(`gauntlet p50 (same path as run's service time): ${us1.p50.toFixed(3)} ms`);
    console.log(`overhead: ${((us1.p50 - peer1.p50) * 1000).toFixed(0)} us per command`);
  });
}

/** One part-4 measurement in a fresh process (bench/steadyMeasurement.ts says why). */
async function measureApart(kind: SteadyKind, topologyId: string, duration: string): Promise<SteadyFigures> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./steadyMeasurement.ts', import.meta.url)), kind, topologyId, duration], { maxBuffer: 16 << 20, timeout: 15 * 60_000, signal: benchInterrupted });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as SteadyFigures;
}

async function steady50k(batchMs: number): Promise<void> {
  const duration = process.env.BENCH_STEADY_DURATION ?? '60s';
  // The peers first, at the steady phase's rate, then the generator; each in its own process.
  const [bare, paced, batched, gen] = await startedFor(() => new EmbeddedTopology().detached().start(), async (topology) => [
    await measureApart('bursts', topology.id, duration),
    await measureApart('paced', topology.id, duration),
    await measureApart('batched', topology.id, duration),
    (await measureApart('generator', topology.id, duration)) as GeneratorFigures,
  ] as const);
  const shortWait = (await loadScenario('steady-50k')).scenario.generator.shortWait;
  console.log(`\n== steady-50k on the embedded topology, direct data path (steady phase ${ms(ms(duration as '60s'), { long: true })}, ${gen.seconds.toFixed(0)} s in all; ${shortWait} short waits; each measurement in its own process) ==`);
  console.log(`peak concurrent sessions: ${gen.peakSessions}`);
  console.log(`operations: intended ${gen.intendedPerSecond.toFixed(0)}/s, achieved ${gen.achievedPerSecond.toFixed(0)}/s, errors ${gen.errors}`);
  for (const p of gen.byOp) {
    console.log(`  ${p.op.padEnd(14)} n=${String(p.count).padStart(7)}  p50 ${p.p50.toFixed(3)}  p99 ${p.p99.toFixed(3)}  p99.9 ${p.p999.toFixed(3)} ms  (service p99 ${p.serviceP99.toFixed(3)} ms)`);
  }
  console.log(`scheduler lag p99 ${gen.lagP99Ms} ms (max ${gen.lagMaxMs}); generator CPU mean ${gen.cpuMeanPercent} % of one core (max ${gen.cpuMaxPercent}); RSS ${gen.rssStartMb} -> ${gen.rssPeakMb} MB; saturated: ${gen.saturated}`);
  console.log('\n== CPU per session operation, steady phase, same topology, same commands and rate ==');
  // Each peer's send lag is measured as the generator's scheduler lag is: a generator sending
  // that late would be judged by the same limit (10 % of the p99 budget, 1 ms for steady-50k).
  const late = (f: SteadyFigures): string => `sent late by p99 ${f.lagP99Ms ?? '?'} ms, max ${f.lagMaxMs ?? '?'} ms`;
  console.log(`bare ioredis, bursts once a millisecond (the same scripts, ${bare.opsPerSecond.toFixed(0)} ops/s): ${bare.cpuUsPerOp.toFixed(1)} µs per operation (${bare.cpuPercent.toFixed(1)} % of a core); ${late(bare)}`);
  console.log(`bare ioredis, each operation at its own Poisson time (${paced.opsPerSecond.toFixed(0)} ops/s, ${shortWait} short waits): ${paced.cpuUsPerOp.toFixed(1)} µs per operation (${paced.cpuPercent.toFixed(1)} % of a core); ${late(paced)}`);
  console.log(`bare ioredis, the same Poisson times sent at most every ${batchMs} ms (${batched.opsPerSecond.toFixed(0)} ops/s; what falls due between goes out together): ${batched.cpuUsPerOp.toFixed(1)} µs per operation (${batched.cpuPercent.toFixed(1)} % of a core); ${late(batched)}`);
  console.log(`gauntlet generator (${gen.opsPerSecond.toFixed(0)} ops/s, ledger on): ${gen.cpuUsPerOp.toFixed(1)} µs per operation (${gen.cpuPercent.toFixed(1)} % of a core); scheduler lag p99 ${gen.lagP99Ms} ms over the whole run`);
  console.log(`ratio to bare bursts: ${(gen.cpuUsPerOp / bare.cpuUsPerOp).toFixed(2)} (goal <= 1.3); to bare paced: ${(gen.cpuUsPerOp / paced.cpuUsPerOp).toFixed(2)} (each operation sent at its own time, as the generator must: what the bookkeeping costs); to bare batched: ${(gen.cpuUsPerOp / batched.cpuUsPerOp).toFixed(2)}`);
  const g = gen.wholeRunGc;
  console.log(`GC in the steady window: ${gen.steadyGcPauses} pauses, longest ${gen.steadyGcMaxMs} ms, ${gen.steadyGcOver2Seconds} seconds with one over 2 ms${gen.steadyGcOver2At.length ? ` (${gen.steadyGcOver2At.map(([t, m]) => `${m} ms at ${t} s`).join(', ')})` : ''} (goal: none over 2 ms); over the whole run ${g.count} (${g.scavenges} scavenges, ${g.markCompacts} mark-compacts), longest ${g.maxMs} ms (the forced GC for the memory figure included)`);
  if (gen.cpuWaitMs) console.log(`the generator's main thread waited for a CPU (the OS running something else, the topology's servers share the cores): median ${gen.cpuWaitMs.medianSecond} ms a second in the steady window${gen.steadyGcOver2At.length ? `; in the seconds with a GC pause over 2 ms: ${gen.cpuWaitMs.inGcOver2Seconds.map((w) => w ?? '?').join(', ')} ms` : ''}`);
  const m = gen.memoryAt;
  console.log(`generator memory per simulated session above baseline (after a full GC at ${m.second} s, ${m.sessions} sessions): heap+external ${m.heapPerSessionKb.toFixed(2)} KB, RSS ${m.rssPerSessionKb.toFixed(2)} KB (goal <= 2 KB)`);
}

/** Ledger memory: heap per tracked session and per tracked key, with ids shaped like the engine's. */
function ledgerMemory(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  const n = 200_000;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const ledger = new Ledger({ sessionMs: 1_800_000, refreshTokenMs: 7_200_000, oauthStateMs: 300_000 });
  const tag = 'AbC1.';
  for (let i = 0; i < n; i++) {
    const id = i.toString(36);
    ledger.loginAcked(`u${(i % 160_000).toString(36)}`, `${tag}${id}`, `${tag}f${id}`, `${tag}${Math.floor(Math.random() * 2 ** 52).toString(36)}${Math.floor(Math.random() * 2 ** 52).toString(36)}`, Date.now());
  }
  gc?.();
  const perSession = (process.memoryUsage().heapUsed - before) / n;
  console.log(`\n== ledger memory (${n} sessions, ${3 * n} tracked keys) ==`);
  console.log(`${perSession.toFixed(0)} bytes per tracked session, ${(perSession / 3).toFixed(0)} bytes per tracked key (session, token family, current refresh token)`);
  if (ledger.records.size !== n) throw new Error('ledger lost records');
}

/** Part 4: steady-50k's sessions acting BENCH_WORKERS_FACTOR (default 4) times as often: about 25,000 operations/s offered. */
async function workers(): Promise<void> {
  const duration = ms((process.env.BENCH_WORKERS_DURATION ?? '30s') as '30s');
  const factor = Number(process.env.BENCH_WORKERS_FACTOR ?? 4);
  const { scenario } = await loadScenario('steady-50k');
  const base = applyOverrides(scenario, { durationMs: duration });
  const think = base.session.thinkTime;
  if (think.distribution !== 'exponential') throw new Error('steady-50k has exponential think times');
  const s = { ...base, session: { ...base.session, thinkTime: { ...think, meanMs: think.meanMs / factor } } };
  const rampS = s.stages[0]!.duration / 1000;
  const steadyTo = rampS + (s.stages[1]?.duration ?? 0) / 1000 - 2;
  const offered = ((s.stages[1]?.sessions ?? 0) / think.meanMs) * 1000 * factor;
  const figures = await workerScaling(s, rampS + 5, steadyTo);
  console.log(`\n== load workers (worker threads): steady-50k's sessions acting ${factor}x as often, about ${offered.toFixed(0)} ops/s offered in the steady phase (${duration / 1000} s), one detached topology ==`);
  for (const f of figures) {
    console.log(`${f.workers} worker${f.workers > 1 ? 's' : ' '}: ${f.achievedPerSecond.toFixed(0)} ops/s achieved, ${f.cpuUsPerOp.toFixed(1)} µs CPU per operation (whole process, ${f.cpuPercent.toFixed(0)} % of a core), scheduler lag p99 ${f.lagP99Ms} ms over the whole run${f.saturated ? ' (fell behind)' : ''}, median second's p99 ${f.p99Ms.toFixed(2)} ms`);
  }
  console.log(`2 workers / 1: ${(figures[1]!.achievedPerSecond / figures[0]!.achievedPerSecond).toFixed(2)}x the operations per second, ${(figures[1]!.cpuUsPerOp / figures[0]!.cpuUsPerOp).toFixed(2)}x the CPU per operation (${availableParallelism()} cores, shared with the topology's servers)`);
}

// Checked before anything starts; the batched peer's process reads the same variable.
let batchMs = 0;
try {
  batchMs = batchMsFromEnv();
} catch (e) {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(3);
}
stopOnInterrupt();
ledgerMemory();
await rawComparisons();
if (process.env.BENCH_SKIP_STEADY !== '1') await steady50k(batchMs);
if (process.env.BENCH_SKIP_WORKERS !== '1') await workers();
process.exit(0);
