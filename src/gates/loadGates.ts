import type { LatencyFigures, Percentiles } from '../load/latencyRecorder.js';
import type { Scenario } from '../load/scenario.js';
import type { Attribution, BreachCause } from '../attribution/latencyAttribution.js';
import type { Gate } from './gate.js';

const ms = (x: number): string => `${x.toFixed(3)} ms`;

export interface LoadGateInputs {
  thresholds: Scenario['thresholds'];
  overall: Percentiles;
  byOp: Record<string, Percentiles>;
  totalOps: number;
  errors: number;
  intendedOps: number;
  /** Successful operations among the intended ones (default: all operations but the errors). */
  succeededOps?: number;
  /** Suffix for every name, e.g. " (outside chaos windows)". */
  scope: string;
  /** Whose time a p99 over budget is, said beside the failing gate: all operations', and each type's own. */
  causes?: Pick<Attribution, 'cause' | 'operationBreaches'> | null;
}

/** The cause beside a failed gate, unless it is the generator's (the validity gate says that). */
const besides = (c: BreachCause | null | undefined): string => (c && c.who !== 'generator' ? ` (${c.why})` : '');

/** The load gates of a scenario: p99 overall and per operation, error rate, throughput taken. */
export function loadGates(i: LoadGateInputs): Gate[] {
  const t = i.thresholds;
  const overallPass = i.overall.count > 0 && i.overall.p99 < t.p99Ms;
  const why = overallPass ? '' : besides(i.causes?.cause);
  const gates: Gate[] = [{ name: `p99 latency, all operations${i.scope}`, kind: 'latency', limit: `< ${ms(t.p99Ms)}`, actual: `${ms(i.overall.p99)}${why}`, pass: overallPass }];
  if (t.perOperationP99Ms !== undefined) {
    for (const [op, p] of Object.entries(i.byOp)) {
      const limit = `< ${ms(t.perOperationP99Ms)}`;
      // The p99 of fewer than a hundred samples is just their maximum: reported, not judged (the overall p99 includes them).
      if (p.count < t.minSamplesPerOperation) gates.push({ name: `p99 latency, ${op}${i.scope}`, kind: 'latency', limit, actual: `not judged: ${p.count} samples, fewer than ${t.minSamplesPerOperation} (max ${ms(p.max)})`, pass: true });
      else {
        const pass = p.p99 < t.perOperationP99Ms;
        gates.push({ name: `p99 latency, ${op}${i.scope}`, kind: 'latency', limit, actual: `${ms(p.p99)}${pass ? '' : besides(i.causes?.operationBreaches?.find((b) => b.op === op)?.cause)}`, pass });
      }
    }
  }
  const errorRate = i.totalOps ? i.errors / i.totalOps : 0;
  gates.push({ name: `error rate${i.scope}`, kind: 'errors', limit: `<= ${(t.maxErrorRate * 100).toFixed(3)} %`, actual: `${(errorRate * 100).toFixed(3)} % (${i.errors} of ${i.totalOps})`, pass: errorRate <= t.maxErrorRate });
  const succeeded = i.succeededOps ?? i.totalOps - i.errors;
  const ratio = i.intendedOps ? succeeded / i.intendedOps : 0;
  gates.push({ name: `operations completed / intended${i.scope}`, kind: 'throughput', limit: `>= ${t.minThroughputRatio.toFixed(2)}`, actual: `${ratio.toFixed(3)} (${succeeded} of ${i.intendedOps})`, pass: i.intendedOps > 0 && ratio >= t.minThroughputRatio });
  return gates;
}

/** In a chaos run the load gates judge the steady state: operations that touched no chaos window. */
export function loadGatesFor(thresholds: Scenario['thresholds'], f: LatencyFigures, intendedOps: number, attribution: Pick<Attribution, 'cause' | 'operationBreaches'> | null = null): Gate[] {
  const o = f.outsideChaos;
  if (!o) return loadGates({ thresholds, overall: f.overall, byOp: f.byOp, totalOps: f.totalOps, errors: f.totalErrors, intendedOps, scope: '', causes: attribution });
  // Intended and succeeded by intended second, clear of the windows: an action the generator never
  // sent, or sent and lost, counts against the ratio here as in a run without chaos.
  return loadGates({ thresholds, overall: o.overall, byOp: o.byOp, totalOps: o.ops, errors: o.errors, intendedOps: o.intended, succeededOps: o.succeeded, scope: ' (outside chaos windows)', causes: attribution });
}
