import type { RegressionCheck } from '../gates/regressionGates.js';
import type { Summary } from '../report/summarySchema.js';

export interface Tolerances {
  /** A p99 regresses when it grows by more than this share AND this many ms. */
  p99Pct: number;
  p99AbsMs: number;
  /** Achieved throughput regresses when it drops by more than this share. */
  throughputPct: number;
  /** Failover write unavailability regresses when it grows by more than this share AND ms. */
  failoverPct: number;
  failoverAbsMs: number;
  /** A p99 from fewer samples than this, on either side, is shown but not judged (as the per-operation p99 gates do). */
  minSamples: number;
}

export const defaultTolerances: Tolerances = { p99Pct: 0.2, p99AbsMs: 1, throughputPct: 0.1, failoverPct: 0.25, failoverAbsMs: 1000, minSamples: 100 };

export type ComparisonRow = RegressionCheck;

function pct(a: number | null, b: number | null): string {
  if (a === null || b === null) return '';
  if (a === 0) return b === 0 ? '0 %' : '+inf';
  return `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;
}

/** Regression table of current against baseline (pure; the CLI prints it). */
export function compareRuns(base: Summary, cur: Summary, tol: Tolerances = defaultTolerances): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  // With chaos on both sides, compare the steady state (outside chaos windows).
  const steady = (s: Summary) => s.latencyMs.outsideChaos ?? { overall: s.latencyMs.overall, byOp: s.latencyMs.byOp };
  const b = steady(base);
  const c = steady(cur);
  type P99 = { p99: number; count?: number } | undefined;
  const p99Row = (metric: string, x: P99, y: P99): void => {
    const bx = x?.p99 ?? null;
    const cy = y?.p99 ?? null;
    const samples = Math.min(x?.count ?? Infinity, y?.count ?? Infinity);
    const judged = samples >= tol.minSamples;
    const regression = judged && bx !== null && cy !== null && cy > bx * (1 + tol.p99Pct) && cy - bx > tol.p99AbsMs;
    const tolerance = judged ? `+${tol.p99Pct * 100} % and +${tol.p99AbsMs} ms` : `not judged: ${samples} samples, fewer than ${tol.minSamples}`;
    rows.push({ metric, baseline: bx, current: cy, change: pct(bx, cy), tolerance, regression });
  };
  p99Row('p99 ms, all operations', b.overall, c.overall);
  for (const op of [...new Set([...Object.keys(b.byOp), ...Object.keys(c.byOp)])].sort()) p99Row(`p99 ms, ${op}`, b.byOp[op], c.byOp[op]);
  const bt = base.ops.achievedPerSecond;
  const ct = cur.ops.achievedPerSecond;
  rows.push({ metric: 'achieved operations/s', baseline: bt, current: ct, change: pct(bt, ct), tolerance: `-${tol.throughputPct * 100} %`, regression: ct < bt * (1 - tol.throughputPct) });
  const bf = base.failover?.clientObservedMs ?? null;
  const cf = cur.failover?.clientObservedMs ?? null;
  if (base.failover || cur.failover) {
    const regression = (bf !== null && cf === null && cur.failover !== null) || (bf !== null && cf !== null && cf > bf * (1 + tol.failoverPct) && cf - bf > tol.failoverAbsMs);
    rows.push({ metric: 'failover write unavailability ms', baseline: bf, current: cf, change: pct(bf, cf), tolerance: `+${tol.failoverPct * 100} % and +${tol.failoverAbsMs} ms`, regression });
  }
  for (const k of ['lost', 'resurrected'] as const) {
    const bl = base.ledger?.[k] ?? null;
    const cl = cur.ledger?.[k] ?? null;
    if (bl !== null || cl !== null) rows.push({ metric: `acknowledged writes ${k}`, baseline: bl, current: cl, change: bl !== null && cl !== null ? `${cl - bl >= 0 ? '+' : ''}${cl - bl}` : '', tolerance: 'no increase', regression: (cl ?? 0) > (bl ?? 0) });
  }
  return rows;
}
