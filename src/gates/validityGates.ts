import type { LoadResult } from '../load/loadEngine.js';
import type { Gate } from './gate.js';

/** Could the harness measure? The generator kept its schedule, and the run went to its end. */
export function validityGates(load: Pick<LoadResult, 'generator' | 'aborted' | 'durationMs'>, plannedMs: number, abortReason: string | null): Gate[] {
  const g = load.generator;
  return [
    {
      name: 'generator kept up with its schedule',
      kind: 'validity',
      limit: 'scheduler lag p99 outside chaos windows within the scenario limit',
      actual: g.reason ?? `scheduler lag p99 ${g.schedulerLagOutsideChaosMs.p99} ms outside chaos windows`,
      pass: !g.saturated,
    },
    {
      name: 'the run went to the end of its schedule',
      kind: 'validity',
      limit: `${(plannedMs / 1000).toFixed(0)} s`,
      actual: load.aborted ? `stopped early at ${(load.durationMs / 1000).toFixed(1)} s${abortReason ? ` (${abortReason})` : ''}: a run that did not finish cannot pass; rerun it` : 'completed',
      pass: !load.aborted,
    },
  ];
}
