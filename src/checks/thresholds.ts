import type { Percentiles } from '../load/latencyRecorder.js';

/** One gate: what was required, what was measured, and whether it held. */
export interface ThresholdResult {
  name: string;
  limit: string;
  actual: string;
  pass: boolean;
}

export interface ThresholdInputs {
  p99Ms: number;
  perOperationP99Ms?: number;
  maxErrorRate: number;
  minThroughputRatio: number;
  overall: Percentiles;
  byOp: Record<string, Percentiles>;
  totalOps: number;
  errors: number;
  intendedOps: number;
}

const ms = (x: number): string => `${x.toFixed(3)} ms`;

/** The load gates of a scenario: p99 overall and per operation, error rate, throughput taken. */
export function evaluateLoadThresholds(i: ThresholdInputs): ThresholdResult[] {
  const results: ThresholdResult[] = [
    { name: 'p99 latency, all operations', limit: `< ${ms(i.p99Ms)}`, actual: ms(i.overall.p99), pass: i.overall.count > 0 && i.overall.p99 < i.p99Ms },
  ];
  if (i.perOperationP99Ms !== undefined) {
    for (const [op, p] of Object.entries(i.byOp)) {
      results.push({ name: `p99 latency, ${op}`, limit: `< ${ms(i.perOperationP99Ms)}`, actual: ms(p.p99), pass: p.p99 < i.perOperationP99Ms });
    }
  }
  const errorRate = i.totalOps ? i.errors / i.totalOps : 0;
  results.push({ name: 'error rate', limit: `<= ${(i.maxErrorRate * 100).toFixed(3)} %`, actual: `${(errorRate * 100).toFixed(3)} % (${i.errors} of ${i.totalOps})`, pass: errorRate <= i.maxErrorRate });
  const ratio = i.intendedOps ? (i.totalOps - i.errors) / i.intendedOps : 0;
  results.push({ name: 'operations completed / intended', limit: `>= ${i.minThroughputRatio.toFixed(2)}`, actual: `${ratio.toFixed(3)} (${i.totalOps - i.errors} of ${i.intendedOps})`, pass: i.intendedOps > 0 && ratio >= i.minThroughputRatio });
  return results;
}

export type Verdict = 'pass' | 'fail' | 'invalid';

/** invalid beats fail: when the generator fell behind, its latencies say nothing about the target. */
export function decideVerdict(thresholds: readonly ThresholdResult[], generatorSaturated: boolean): Verdict {
  if (generatorSaturated) return 'invalid';
  return thresholds.every((t) => t.pass) ? 'pass' : 'fail';
}
