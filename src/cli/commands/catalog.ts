import { shippedExperiments } from '../../chaos/loadExperiment.js';
import { experimentRules } from '../../gates/experimentRules.js';
import { shippedScenarios } from '../../load/loadScenario.js';
import { totalDurationMs } from '../../load/scenario.js';

/** One shipped scenario, as `gauntlet scenarios` lists it. */
export interface ScenarioEntry {
  name: string;
  description: string;
  durationS: number;
  /** Peak concurrent sessions of its session stages (null: login-rate stages only). */
  peakSessions: number | null;
  p99Ms: number;
}

/** One shipped experiment, as `gauntlet experiments` lists it. */
export interface ExperimentEntry {
  name: string;
  description: string;
  mustHold: string[];
}

export async function scenarioEntries(): Promise<ScenarioEntry[]> {
  return (await shippedScenarios()).map((s) => {
    const peak = Math.max(0, ...s.stages.map((st) => st.sessions ?? 0));
    return { name: s.name, description: s.description, durationS: totalDurationMs(s) / 1000, peakSessions: peak > 0 ? peak : null, p99Ms: s.thresholds.p99Ms };
  });
}

export async function experimentEntries(): Promise<ExperimentEntry[]> {
  return (await shippedExperiments()).map((e) => ({ name: e.name, description: e.description, mustHold: experimentRules(e) }));
}

function formatDuration(s: number): string {
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}

export function renderScenarios(entries: readonly ScenarioEntry[]): string {
  const width = Math.max(...entries.map((e) => e.name.length));
  return entries.map((e) => `${e.name.padEnd(width)}  ${e.description} (${formatDuration(e.durationS)}${e.peakSessions ? `, ${e.peakSessions.toLocaleString('en-US')} sessions` : ''}, p99 < ${e.p99Ms} ms)`).join('\n');
}

export function renderExperiments(entries: readonly ExperimentEntry[]): string {
  return entries.map((e) => [`${e.name}: ${e.description}`, ...e.mustHold.map((r) => `    - ${r}`)].join('\n')).join('\n');
}

/** `gauntlet scenarios [--json]`: what ships in scenarios/. */
export async function scenarios(o: { json: boolean }): Promise<number> {
  const entries = await scenarioEntries();
  console.log(o.json ? JSON.stringify(entries, null, 2) : `${renderScenarios(entries)}\n\nuse: gauntlet run --scenario NAME (or a file of your own: README "Scenarios")`);
  return 0;
}

/** `gauntlet experiments [--json]`: what ships in chaos/ and what must hold for each to pass. */
export async function experiments(o: { json: boolean }): Promise<number> {
  const entries = await experimentEntries();
  console.log(
    o.json
      ? JSON.stringify(entries, null, 2)
      : `${renderExperiments(entries)}\n\nEvery run also holds the scenario's latency and error gates outside chaos windows and the ledger's (lost 0, resurrected 0).\nuse: gauntlet run --chaos NAME (embedded or detached topology only)`,
  );
  return 0;
}
