import type { ChaosOutcome } from '../chaos/chaosRunner.js';
import type { LedgerReport } from '../ledger/verifyLedger.js';
import type { LoadResult } from '../load/loadEngine.js';
import { latencyFigures } from '../load/latencyRecorder.js';
import { totalDurationMs, type Scenario } from '../load/scenario.js';
import { chaosGates } from './chaosGates.js';
import type { Gate } from './gate.js';
import { ledgerGates } from './ledgerGates.js';
import { loadGatesFor } from './loadGates.js';
import { validityGates } from './validityGates.js';

export interface GateInputs {
  scenario: Scenario;
  load: LoadResult;
  chaos: ChaosOutcome | null;
  ledger: LedgerReport | null;
  abortReason: string | null;
}

/** Every gate of a run, in the order the report lists them: load, chaos, ledger, validity. */
export function buildGates(i: GateInputs): Gate[] {
  const figures = latencyFigures(i.load.recorder, i.load.windows.any);
  return [
    ...loadGatesFor(i.scenario.thresholds, figures, i.load.intendedOps),
    ...(i.chaos ? chaosGates(i.chaos) : []),
    ...(i.ledger ? ledgerGates(i.ledger) : []),
    ...validityGates(i.load, totalDurationMs(i.scenario), i.abortReason),
  ];
}
