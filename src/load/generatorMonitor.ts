import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { newHistogram, percentilesMs } from './latencyRecorder.js';
import type { ChaosWindows } from './chaosWindows.js';

export interface GeneratorSecond {
  t: number;
  schedulerLagP99Ms: number;
  schedulerLagMaxMs: number;
  eventLoopDelayP99Ms: number;
  cpuPercent: number;
  rssMb: number;
  inChaosWindow: boolean;
}

export interface GeneratorHealth {
  schedulerLagMs: { p99: number; max: number };
  /** Lag outside chaos windows: the figure that decides validity. */
  schedulerLagOutsideChaosMs: { p99: number; max: number };
  eventLoopDelayMs: { p99: number; max: number };
  cpuPercent: { mean: number; max: number };
  rssMb: { start: number; peak: number };
  saturated: boolean;
  reason: string | null;
}

/**
 * The generator watching itself. Scheduler lag (dispatch time minus intended time) says whether
 * we offered the load we promised; event-loop delay and CPU say why not. A generator that fell
 * behind outside chaos windows makes the run `invalid`: its latencies would blame the target
 * for the generator's own queueing.
 */
export class GeneratorMonitor {
  private readonly lag = newHistogram();
  private readonly lagOutside = newHistogram();
  private lagSecond = newHistogram();
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private cpuAt = process.cpuUsage();
  private wallAt = performance.now();
  readonly seconds: GeneratorSecond[] = [];
  private readonly rssStart = process.memoryUsage.rss() / 1048576;
  private rssPeak = this.rssStart;

  constructor(
    private readonly maxLagP99Ms: number,
    private readonly windows: ChaosWindows,
  ) {
    this.loop.enable();
  }

  /** Lag in ms of one dispatched event: recorded once, into this second's histogram. */
  recordLag(lagMs: number): void {
    this.lagSecond.recordValue(Math.max(1, Math.round(lagMs * 1000)));
  }

  closeSecond(t: number): GeneratorSecond {
    const cpu = process.cpuUsage(this.cpuAt);
    const wall = performance.now() - this.wallAt;
    this.cpuAt = process.cpuUsage();
    this.wallAt = performance.now();
    const rss = process.memoryUsage.rss() / 1048576;
    this.rssPeak = Math.max(this.rssPeak, rss);
    const lag = percentilesMs(this.lagSecond);
    // A second that touched a chaos window is one where falling behind is expected (reconnect storms).
    const inChaos = this.windows.overlaps((t - 1) * 1000, t * 1000);
    if (this.lagSecond.totalCount > 0) {
      this.lag.add(this.lagSecond);
      if (!inChaos) this.lagOutside.add(this.lagSecond);
    }
    const second: GeneratorSecond = {
      t,
      schedulerLagP99Ms: lag.p99,
      schedulerLagMaxMs: lag.max,
      eventLoopDelayP99Ms: round(this.loop.percentile(99) / 1e6),
      cpuPercent: round(((cpu.user + cpu.system) / 1000 / wall) * 100),
      rssMb: round(rss),
      inChaosWindow: inChaos,
    };
    this.loop.reset();
    this.lagSecond.reset();
    this.seconds.push(second);
    return second;
  }

  health(): GeneratorHealth {
    const all = percentilesMs(this.lag);
    const outside = percentilesMs(this.lagOutside);
    const cpu = this.seconds.map((s) => s.cpuPercent);
    const loops = this.seconds.map((s) => s.eventLoopDelayP99Ms);
    let reason: string | null = null;
    if (outside.count > 0 && outside.p99 > this.maxLagP99Ms) {
      reason = `scheduler lag p99 ${outside.p99} ms outside chaos windows exceeds ${this.maxLagP99Ms} ms: the generator could not offer the intended load`;
    }
    return {
      schedulerLagMs: { p99: all.p99, max: all.max },
      schedulerLagOutsideChaosMs: { p99: outside.p99, max: outside.max },
      eventLoopDelayMs: { p99: Math.max(0, ...loops), max: round(this.loop.max / 1e6) },
      cpuPercent: { mean: round(cpu.reduce((a, b) => a + b, 0) / Math.max(1, cpu.length)), max: Math.max(0, ...cpu) },
      rssMb: { start: round(this.rssStart), peak: round(this.rssPeak) },
      saturated: reason !== null,
      reason,
    };
  }

  stop(): void {
    this.loop.disable();
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
