import type { LedgerExample } from '../ledger/verifyLedger.js';
import type { RegressionCheck } from '../gates/regressionGates.js';
import type { ProgressSnapshot } from '../load/loadOptions.js';
import type { Summary } from '../report/summarySchema.js';

/** What a run produced, as plain data: the summary and the files that go beside it. */
export interface RunResult {
  summary: Summary;
  /** HdrHistogram percentile distributions (.hgrm), "overall" and per operation. */
  hgrm: Record<string, string>;
  /** Every lost or resurrected key the verification found. */
  ledgerFindings: LedgerExample[];
  /** Against the plan's baseline, when it had one: which run it used (or why none), and the rows. */
  comparison: { line: string; rows: RegressionCheck[] } | null;
}

export type RunPhase = 'prepare-target' | 'start-observers' | 'load' | 'heal' | 'verify' | 'drills' | 'judge';

/** What a caller hears while a run goes on: a phase begins (with a line for people), or a second of load ends. */
export type RunProgress = { kind: 'phase'; phase: RunPhase; message: string } | { kind: 'note'; message: string } | { kind: 'second'; snapshot: ProgressSnapshot; totalS: number };
