import type { Attribution } from '../attribution/latencyAttribution.js';
import type { ChaosOutcome } from '../chaos/chaosRunner.js';
import type { FailoverFigures } from '../failover/failoverReport.js';
import type { LedgerReport } from '../ledger/verifyLedger.js';
import type { LoadResult } from '../load/loadResult.js';
import { latencyFigures } from '../load/latencyRecorder.js';
import { totalDurationMs, type Scenario } from '../load/scenario.js';
import { chaosGates, judgeChaos } from './chaosGates.js';
import { failoverGates } from './failoverGates.js';
import type { Gate } from './gate.js';
import { ledgerGates } from './ledgerGates.js';
import { loadGatesFor } from './loadGates.js';
import { errorsBeyondGenerator, validityGates } from './validityGates.js';

export interface GateInputs {
  scenario: Scenario;
  load: LoadResult;
  chaos: ChaosOutcome | null;
  failover: FailoverFigures | null;
  /** The verification pass: its report, why it could not run, or null when the run did not verify. */
  ledger: LedgerReport | { error: string } | null;
  abortReason: string | null;
  /** Where the p99 went (null when nothing was measured). */
  attribution: Attribution | null;
}

/** Error share allowed inside a window no experiment set a budget for (a failover seen outside gauntlet). */
const defaultMaxErrorRateInWindow = 0.5;

/** Every gate of a run, in the order the report lists them: load, chaos, failover, ledger, validity. */
export function buildGates(i: GateInputs): Gate[] {
  const figures = latencyFigures(i.load.recorder, i.load.windows.any);
  const judged = i.chaos ? judgeChaos(i.chaos, i.failover) : null;
  const load = loadGatesFor(i.scenario.thresholds, figures, i.load.intendedOps, i.attribution);
  const errorsBeyond = errorsBeyondGenerator(load, i.load.generator, i.scenario.clients.commandTimeoutMs);
  return [
    ...load,
    ...(i.chaos && i.failover && judged ? chaosGates(i.chaos, i.failover, judged) : []),
    ...(i.failover ? failoverGates({ figures: i.failover, byWindow: figures.byWindow, maxErrorRateInWindow: i.chaos?.thresholds.maxErrorRateInWindow ?? defaultMaxErrorRateInWindow }) : []),
    ...(i.ledger ? ledgerGates(i.ledger, i.scenario.thresholds.maxUnverifiableShare) : []),
    ...validityGates(i.load, totalDurationMs(i.scenario), { abortReason: i.abortReason, attribution: i.attribution, chaos: judged, errorsBeyond }),
  ];
}
