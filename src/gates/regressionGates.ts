import type { Gate } from './gate.js';

/** One figure of this run against the same figure of a baseline run, with the tolerance applied. */
export interface RegressionCheck {
  metric: string;
  baseline: number | null;
  current: number | null;
  change: string;
  tolerance: string;
  regression: boolean;
}

/** A regression beyond tolerance against the baseline fails the run like any other gate. */
export function regressionGates(rows: readonly RegressionCheck[], baselineRunId: string): Gate[] {
  return rows.map((r) => ({
    name: `no regression against ${baselineRunId}: ${r.metric}`,
    kind: 'regression',
    limit: r.tolerance,
    actual: `${r.current ?? '-'} (baseline ${r.baseline ?? '-'}${r.change ? `, ${r.change}` : ''})`,
    pass: !r.regression,
  }));
}
