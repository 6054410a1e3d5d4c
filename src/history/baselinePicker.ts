import type { Night } from './nightSummary.js';
import { runSettingsKey, type RunSettingsSource } from './runSettings.js';

export interface CurrentRun extends RunSettingsSource {
  runId: string;
}

/**
 * `--baseline auto`: the newest passing run (verdict pass, not stopped early) with the same
 * scenario, target kind and settings as the current one (runSettingsKey). Newest by startedAt;
 * the current run itself never counts. Null when no night qualifies.
 */
export function pickBaseline(nights: readonly Night[], current: CurrentRun): Night | null {
  const key = runSettingsKey(current);
  let best: Night | null = null;
  for (const n of nights) {
    const s = n.summary;
    if (s.verdict !== 'pass' || s.aborted || s.runId === current.runId || runSettingsKey(s) !== key) continue;
    if (!best || Date.parse(s.startedAt) > Date.parse(best.summary.startedAt)) best = n;
  }
  return best;
}
