import { k6Script } from '../../export/k6Script.js';
import { lintK6Thresholds } from '../../export/k6ThresholdLint.js';
import { loadScenario } from '../../load/loadScenario.js';
import { applyOverrides, type ScenarioOverrides } from '../../load/scenario.js';

export interface ExportK6Options {
  scenario: string;
  sessions?: number;
  rate?: number;
  duration?: number;
}

/** `gauntlet export k6 --scenario NAME|FILE > file.js`: the scenario as a k6 script on stdout. */
export async function exportK6(o: ExportK6Options): Promise<number> {
  const { scenario } = await loadScenario(o.scenario);
  const overrides: ScenarioOverrides = { sessions: o.sessions, loginRate: o.rate, durationMs: o.duration };
  const script = k6Script(applyOverrides(scenario, overrides));
  // k6 refuses a script whose thresholds it cannot parse; that would be our bug, not the user's.
  const problems = lintK6Thresholds(script);
  if (problems.length) throw new Error(`generated k6 thresholds do not lint: ${problems.join('; ')}`);
  process.stdout.write(script);
  return 0;
}
