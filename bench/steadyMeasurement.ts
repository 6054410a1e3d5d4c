/**
 * One measurement of bench part 4 in a process of its own (bench/run.ts starts one per figure):
 * a process that ran another measurement before holds its garbage (the peers' 50,000 sessions,
 * the ledger-memory part's 200,000 records), and collecting that during the generator's steady
 * window would be charged to the generator's GC pauses and CPU.
 *
 *   node --expose-gc --import tsx bench/steadyMeasurement.ts <bursts|paced|batched|generator> <topology id> <steady duration, e.g. 60s>
 *
 * Prints one line of JSON (SteadyFigures) last; the topology is a detached one bench/run.ts started.
 */
import ms from 'ms';
import { loadScenario } from '../src/load/loadScenario.js';
import { applyOverrides } from '../src/load/scenario.js';
import { percentilesMs } from '../src/load/latencyRecorder.js';
import { resolveTarget } from '../src/target/resolveTarget.js';
import { bareIoredis, batchMsFromEnv, generator, type CostFigures, type PeerSending } from './generatorCost.js';

export type SteadyKind = PeerSending['kind'] | 'generator';

export interface GeneratorFigures extends CostFigures {
  seconds: number;
  peakSessions: number;
  intendedPerSecond: number;
  achievedPerSecond: number;
  errors: number;
  byOp: Array<{ op: string; count: number; p50: number; p99: number; p999: number; serviceP99: number }>;
  lagP99Ms: number;
  lagMaxMs: number;
  cpuMeanPercent: number;
  cpuMaxPercent: number;
  rssStartMb: number;
  rssPeakMb: number;
  saturated: boolean;
  steadyGcPauses: number;
  steadyGcMaxMs: number;
  /** Seconds of the steady window with a GC pause over 2 ms. */
  steadyGcOver2Seconds: number;
  /** The steady window's seconds with a pause over 2 ms: [second, longest pause ms]. */
  steadyGcOver2At: Array<[number, number]>;
  /**
   * How long the generator's thread waited for a CPU (the monitor's figure per second): the
   * median second of the steady window, and each second with a GC pause over 2 ms (in
   * steadyGcOver2At's order; null where not measured). null where not measurable.
   */
  cpuWaitMs: { medianSecond: number; inGcOver2Seconds: Array<number | null> } | null;
  wholeRunGc: { count: number; scavenges: number; markCompacts: number; maxMs: number };
  memoryAt: { second: number; sessions: number; heapPerSessionKb: number; rssPerSessionKb: number };
}

export type SteadyFigures = CostFigures | GeneratorFigures;

const round = (x: number): number => Math.round(x * 100) / 100;

async function measure(kind: SteadyKind, topologyId: string, durationMs: number): Promise<SteadyFigures> {
  const { scenario } = await loadScenario('steady-50k');
  const s = applyOverrides(scenario, { durationMs });
  const rampS = s.stages[0]!.duration / 1000;
  const steadyEndS = rampS + (s.stages[1]?.duration ?? 0) / 1000;
  const target = await resolveTarget({ target: `detached:${topologyId}`, allowDestructive: false });
  // As in a run without app-link faults: the clients reach the nodes directly.
  target.topology!.dataPath = 'direct';
  try {
    // The steady phase's rate: 50,000 sessions / mean think time.
    const rate = Math.round(((s.stages[1]?.sessions ?? 50_000) / ((s.session.thinkTime as { meanMs?: number }).meanMs ?? 8000)) * 1000);
    if (kind !== 'generator') return await bareIoredis(target, s, rate, 20, 50_000, kind === 'batched' ? { kind, batchMs: batchMsFromEnv() } : { kind });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const baseline = process.memoryUsage();
    let atPeak = { sessions: 0, heap: 0, rss: 0 };
    // Once, in the last second of the steady phase: a full GC so the heap figure holds live
    // objects only; the CPU and GC figures stop before it.
    const measureAt = steadyEndS - 1;
    const steadyFrom = rampS + 5;
    const steadyTo = steadyEndS - 2;
    const gen = await generator(target, s, steadyFrom, steadyTo, (p) => {
      if (p.elapsedS === measureAt) {
        gc?.();
        const m = process.memoryUsage();
        atPeak = { sessions: p.sessions, heap: m.heapUsed + m.external, rss: m.rss };
      }
    });
    const r = gen.result;
    const seconds = r.durationMs / 1000;
    const g = r.generator;
    const win = r.generatorSeconds.filter((x) => x.t > steadyFrom && x.t <= steadyTo);
    const sessions = Math.max(1, atPeak.sessions);
    const over2 = win.filter((x) => x.gcMaxMs > 2);
    const waits = win.map((x) => x.cpuWaitMs).filter((w): w is number => w != null).sort((a, b) => a - b);
    return {
      opsPerSecond: gen.opsPerSecond,
      cpuUsPerOp: gen.cpuUsPerOp,
      cpuPercent: gen.cpuPercent,
      seconds,
      peakSessions: r.peakConcurrentSessions,
      intendedPerSecond: r.intendedOps / seconds,
      achievedPerSecond: (r.recorder.totalOps - r.recorder.totalErrors) / seconds,
      errors: r.recorder.totalErrors,
      byOp: [...r.recorder.byOp()].map(([op, h]) => {
        const p = percentilesMs(h.latency);
        return { op, count: p.count, p50: p.p50, p99: p.p99, p999: p.p999, serviceP99: percentilesMs(h.service).p99 };
      }),
      lagP99Ms: g.schedulerLagMs.p99,
      lagMaxMs: g.schedulerLagMs.max,
      cpuMeanPercent: g.cpuPercent.mean,
      cpuMaxPercent: g.cpuPercent.max,
      rssStartMb: g.rssMb.start,
      rssPeakMb: g.rssMb.peak,
      saturated: g.saturated,
      steadyGcPauses: win.reduce((a, x) => a + x.gcPauses, 0),
      steadyGcMaxMs: Math.max(0, ...win.map((x) => x.gcMaxMs)),
      steadyGcOver2Seconds: over2.length,
      steadyGcOver2At: over2.map((x) => [x.t, x.gcMaxMs]),
      cpuWaitMs: waits.length === 0 ? null : { medianSecond: round(waits[Math.floor(waits.length / 2)]!), inGcOver2Seconds: over2.map((x) => x.cpuWaitMs ?? null) },
      wholeRunGc: { count: g.gc.count, scavenges: g.gc.scavenges, markCompacts: g.gc.markCompacts, maxMs: g.gc.maxMs },
      memoryAt: {
        second: measureAt,
        sessions: atPeak.sessions,
        heapPerSessionKb: (atPeak.heap - baseline.heapUsed - baseline.external) / sessions / 1024,
        rssPerSessionKb: (atPeak.rss - baseline.rss) / sessions / 1024,
      },
    };
  } finally {
    await target.close();
  }
}

const [kind, topologyId, duration] = process.argv.slice(2);
if (kind !== 'bursts' && kind !== 'paced' && kind !== 'batched' && kind !== 'generator') throw new Error(`usage: steadyMeasurement.ts <bursts|paced|batched|generator> <topology id> <steady duration>`);
const figures = await measure(kind, topologyId!, ms((duration ?? '60s') as '60s'));
console.log(JSON.stringify(figures));
process.exit(0);
