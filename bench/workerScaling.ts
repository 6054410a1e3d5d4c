/**
 * Operations per second and CPU per operation with 1 and 2 load workers, against one detached
 * embedded topology, in one run: the same scenario, offered above what one worker can send, so
 * each figure is what that many workers achieved. CPU is the whole process's (worker threads
 * included: process.cpuUsage counts every thread) over the steady seconds.
 */
import { executeRun } from '../src/run/executeRun.js';
import type { RunPlan } from '../src/run/runPlan.js';
import { newRunId } from '../src/report/writeRunReport.js';
import type { Scenario } from '../src/load/scenario.js';
import { EmbeddedTopology } from '../src/topology/embeddedTopology.js';
import { startedFor } from './interruptCleanup.js';

export interface WorkerFigures {
  workers: number;
  intendedPerSecond: number;
  achievedPerSecond: number;
  cpuUsPerOp: number;
  cpuPercent: number;
  lagP99Ms: number;
  saturated: boolean;
  p99Ms: number;
}

async function measure(s: Scenario, topologyId: string, workers: number, steadyFrom: number, steadyTo: number): Promise<WorkerFigures> {
  const plan: RunPlan = {
    runId: newRunId(`bench-workers-${workers}`), scenario: s, scenarioSource: 'bench', experiment: null, seed: 11, target: `detached:${topologyId}`, tls: undefined,
    allowDestructive: false, writeMode: 'async', verify: false, monitoring: false, metricsPort: undefined, baseline: null, workers,
  };
  let cpuAt = process.cpuUsage();
  let cpuUs = 0;
  let ops = 0;
  const result = await executeRun(plan, {
    onProgress: (p) => {
      if (p.kind !== 'second') return;
      const c = process.cpuUsage(cpuAt);
      cpuAt = process.cpuUsage();
      if (p.snapshot.elapsedS > steadyFrom && p.snapshot.elapsedS <= steadyTo) {
        cpuUs += c.user + c.system;
        ops += p.snapshot.opsPerSecond;
      }
    },
  });
  const seconds = steadyTo - steadyFrom;
  const steady = result.summary.timeseries.filter((x) => x.t > steadyFrom && x.t <= steadyTo);
  return {
    workers,
    intendedPerSecond: result.summary.ops.intendedPerSecond,
    achievedPerSecond: ops / seconds,
    cpuUsPerOp: cpuUs / Math.max(1, ops),
    cpuPercent: (cpuUs / 1e6 / seconds) * 100,
    lagP99Ms: result.summary.generator.schedulerLagOutsideChaosMs.p99,
    saturated: result.summary.generator.saturated,
    p99Ms: steady.map((x) => x.p99).sort((a, b) => a - b)[Math.floor(steady.length / 2)] ?? 0,
  };
}

/** 1 and 2 workers on `s` against one topology gauntlet starts (detached) and stops. */
export async function workerScaling(s: Scenario, steadyFrom: number, steadyTo: number): Promise<WorkerFigures[]> {
  return startedFor(() => new EmbeddedTopology().detached().start(), async (topology) => {
    const out: WorkerFigures[] = [];
    for (const workers of [1, 2]) out.push(await measure(s, topology.id, workers, steadyFrom, steadyTo));
    return out;
  });
}
