import { fileURLToPath } from 'node:url';
import { listShippedNames, loadUserModule } from '../userModule.js';
import { parseScenario, type Scenario } from './scenario.js';

export const scenariosDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));

/** `--scenario`: a shipped name (scenarios/<name>.ts) or a file whose default export is a scenario. */
export async function loadScenario(nameOrFile: string): Promise<{ scenario: Scenario; source: string }> {
  const { value, file } = await loadUserModule(nameOrFile, scenariosDir, 'scenario');
  return { scenario: parseScenario(value, `scenario file ${file}`), source: file };
}

/** Every scenario in scenarios/, loaded and validated as `--scenario NAME` would load it. */
export async function shippedScenarios(): Promise<Scenario[]> {
  return Promise.all((await listShippedNames(scenariosDir)).map(async (name) => (await loadScenario(name)).scenario));
}
