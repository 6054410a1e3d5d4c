import { monitorEventLoopDelay, PerformanceObserver, constants, type IntervalHistogram } from 'node:perf_hooks';
import { newHistogram, percentilesMs } from './latencyRecorder.js';
import { addRecorded } from './histogramAdd.js';
import type { ChaosWindows } from './chaosWindows.js';
import { threadCpuWaitMs } from './cpuWait.js';

export interface GeneratorSecond {
  t: number;
  schedulerLagP99Ms: number;
  schedulerLagMaxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Garbage-collection pauses that ended in this second. */
  gcPauses: number;
  gcMaxMs: number;
  cpuPercent: number;
  /** How long the generator's thread waited for a CPU, in ms per second of this interval (the OS ran something else); null where not measurable, absent from older versions. */
  cpuWaitMs?: number | null;
  rssMb: number;
  inChaosWindow: boolean;
  /** The generator stalled this second (a lag, event-loop delay or GC pause at or above the stall threshold). */
  stalled: boolean;
}

export interface GcFigures {
  count: number;
  /** Young-generation collections (scavenges) and full ones (mark-compact), and the longest pause. */
  scavenges: number;
  markCompacts: number;
  maxMs: number;
  totalMs: number;
  over2Ms: number;
}

export interface GeneratorHealth {
  schedulerLagMs: { p99: number; max: number };
  /** Lag outside chaos windows: the figure that decides validity. */
  schedulerLagOutsideChaosMs: { p99: number; max: number };
  /** The validity limit on that lag (10 % of the p99 budget unless the scenario sets it). */
  maxSchedulerLagP99Ms: number;
  eventLoopDelayMs: { p99: number; max: number };
  gc: GcFigures;
  /** Seconds in which the generator itself stalled, outside chaos windows, and the threshold used. */
  stalledSeconds: number;
  stallThresholdMs: number;
  cpuPercent: { mean: number; max: number };
  /** The generator's thread waiting for a CPU, per second outside chaos windows; null where not measurable, absent from older versions. */
  cpuWaitMs?: { meanPerSecond: number; maxPerSecond: number } | null;
  rssMb: { start: number; peak: number };
  saturated: boolean;
  reason: string | null;
}

const round = (x: number): number => Math.round(x * 100) / 100;

/**
 * The generator watching itself. Scheduler lag per dispatch (dispatch time minus intended time)
 * says whether we offered the load we promised; event-loop delay, garbage-collection pauses and
 * CPU say why not. A second in which any of them reached the stall threshold is a stalled second:
 * the latency recorder keeps the steady state of healthy seconds apart, so a p99 breach the
 * generator caused is told from one the target caused.
 */
const loopResolutionMs = 1;

/**
 * How long the loop was held, from Node's event-loop delay sample (nanoseconds). Node records the
 * whole interval between two firings of its `loopResolutionMs` timer, not the delay past it: an
 * idle loop reads about 1.1 ms at the median and up to 2.5 ms (measured on Node 20), so taken as
 * it is, every quiet second looked like a 2.5 ms stall, the default stall threshold of a 10 ms
 * budget.
 */
function blockedMs(sampleNs: number): number {
  return Math.max(0, sampleNs / 1e6 - loopResolutionMs);
}

const noGc = (): GcFigures => ({ count: 0, scavenges: 0, markCompacts: 0, maxMs: 0, totalMs: 0, over2Ms: 0 });

export class GeneratorMonitor {
  private readonly lag = newHistogram();
  private readonly lagOutside = newHistogram();
  private readonly lagSecond = newHistogram();
  // 1 ms sampling: stalls of a few ms matter against a 10 ms budget.
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: loopResolutionMs });
  private loopMaxNs = 0;
  private readonly gcObserver: PerformanceObserver;
  private gcSecondCount = 0;
  private gcSecondMax = 0;
  private gc: GcFigures = noGc();
  private cpuAt = process.cpuUsage();
  private cpuWaitAt = threadCpuWaitMs();
  private wallAt = performance.now();
  readonly seconds: GeneratorSecond[] = [];
  private readonly stalledAt = new Set<number>();
  private readonly rssStart = process.memoryUsage.rss() / 1048576;
  private rssPeak = this.rssStart;
  private countFrom = 0;

  constructor(
    private readonly maxLagP99Ms: number,
    private readonly windows: ChaosWindows,
    readonly stallThresholdMs: number,
  ) {
    this.loop.enable();
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.startTime < this.countFrom) continue;
        const ms = e.duration;
        const kind = ((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind;
        this.gc.count++;
        if (kind === constants.NODE_PERFORMANCE_GC_MINOR) this.gc.scavenges++;
        else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.gc.markCompacts++;
        this.gc.totalMs += ms;
        if (ms > this.gc.maxMs) this.gc.maxMs = ms;
        if (ms > 2) this.gc.over2Ms++;
        this.gcSecondCount++;
        if (ms > this.gcSecondMax) this.gcSecondMax = ms;
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  /**
   * The run's clock started: what the set-up did before it (its warm-up, the full collections
   * that make room in the heap) is not the run's, and is not charged to its first second.
   */
  clockStarted(): void {
    this.countFrom = performance.now();
    this.gc = noGc();
    this.gcSecondCount = 0;
    this.gcSecondMax = 0;
    this.loop.reset();
    this.cpuAt = process.cpuUsage();
    this.cpuWaitAt = threadCpuWaitMs();
    this.wallAt = performance.now();
  }

  /** Lag in ms of one dispatched event: recorded once, into this second's histogram. */
  recordLag(lagMs: number): void {
    this.lagSecond.recordValue(Math.max(1, Math.round(lagMs * 1000)));
  }

  /** Whether the generator stalled in second `t` (known once that second closed). */
  wasStalled(t: number): boolean {
    return this.stalledAt.has(t);
  }

  closeSecond(t: number): GeneratorSecond {
    const cpu = process.cpuUsage(this.cpuAt);
    const wall = performance.now() - this.wallAt;
    this.cpuAt = process.cpuUsage();
    const cpuWaitNow = threadCpuWaitMs();
    // Per second of wall time: a late tick covers more than a second.
    const cpuWaitMs = cpuWaitNow !== null && this.cpuWaitAt !== null ? round(((cpuWaitNow - this.cpuWaitAt) * 1000) / wall) : null;
    this.cpuWaitAt = cpuWaitNow;
    this.wallAt = performance.now();
    const rss = process.memoryUsage.rss() / 1048576;
    this.rssPeak = Math.max(this.rssPeak, rss);
    const lag = percentilesMs(this.lagSecond);
    // A second that touched a chaos window is one where falling behind is expected (reconnect storms).
    const inChaos = this.windows.overlaps((t - 1) * 1000, t * 1000);
    if (this.lagSecond.totalCount > 0) {
      addRecorded(this.lag, this.lagSecond);
      if (!inChaos) addRecorded(this.lagOutside, this.lagSecond);
    }
    const loopMaxMs = blockedMs(this.loop.max);
    this.loopMaxNs = Math.max(this.loopMaxNs, this.loop.max);
    // The recorded lag itself, not its bucket's top (the reported maximum): a stall is one that reached the threshold.
    const lagMaxMs = this.lagSecond.totalCount ? this.lagSecond.maxValue / 1000 : 0;
    const stalled = Math.max(lagMaxMs, loopMaxMs, this.gcSecondMax) >= this.stallThresholdMs;
    if (stalled) this.stalledAt.add(t);
    const second: GeneratorSecond = {
      t,
      schedulerLagP99Ms: lag.p99,
      schedulerLagMaxMs: lag.max,
      eventLoopDelayP99Ms: round(blockedMs(this.loop.percentile(99))),
      eventLoopDelayMaxMs: round(loopMaxMs),
      gcPauses: this.gcSecondCount,
      gcMaxMs: round(this.gcSecondMax),
      cpuPercent: round(((cpu.user + cpu.system) / 1000 / wall) * 100),
      cpuWaitMs,
      rssMb: round(rss),
      inChaosWindow: inChaos,
      stalled,
    };
    this.loop.reset();
    this.lagSecond.reset();
    this.gcSecondCount = 0;
    this.gcSecondMax = 0;
    this.seconds.push(second);
    return second;
  }

  health(): GeneratorHealth {
    const all = percentilesMs(this.lag);
    const outside = percentilesMs(this.lagOutside);
    const cpu = this.seconds.map((s) => s.cpuPercent);
    const loops = this.seconds.map((s) => s.eventLoopDelayP99Ms);
    const waits = this.seconds.filter((s) => !s.inChaosWindow && s.cpuWaitMs != null).map((s) => s.cpuWaitMs!);
    let reason: string | null = null;
    if (outside.count > 0 && outside.p99 > this.maxLagP99Ms) {
      reason = `scheduler lag p99 ${outside.p99} ms outside chaos windows exceeds ${this.maxLagP99Ms} ms: the generator could not offer the intended load on time`;
    }
    return {
      schedulerLagMs: { p99: all.p99, max: all.max },
      schedulerLagOutsideChaosMs: { p99: outside.p99, max: outside.max },
      maxSchedulerLagP99Ms: this.maxLagP99Ms,
      eventLoopDelayMs: { p99: Math.max(0, ...loops), max: round(blockedMs(this.loopMaxNs)) },
      gc: { ...this.gc, maxMs: round(this.gc.maxMs), totalMs: round(this.gc.totalMs) },
      stalledSeconds: this.seconds.filter((s) => s.stalled && !s.inChaosWindow).length,
      stallThresholdMs: this.stallThresholdMs,
      cpuPercent: { mean: round(cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length)), max: Math.max(0, ...cpu) },
      cpuWaitMs: waits.length ? { meanPerSecond: round(waits.reduce((a, b) => a + b, 0) / waits.length), maxPerSecond: Math.max(...waits) } : null,
      rssMb: { start: round(this.rssStart), peak: round(this.rssPeak) },
      saturated: reason !== null,
      reason,
    };
  }

  stop(): void {
    this.loop.disable();
    this.gcObserver.disconnect();
  }
}
