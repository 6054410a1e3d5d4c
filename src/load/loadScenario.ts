import { access, readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve, basename } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { parseScenario, ScenarioError, type Scenario } from './scenario.js';

export const scenariosDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export async function listScenarioNames(): Promise<string[]> {
  return (await readdir(scenariosDir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => basename(f, '.ts')).sort();
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/**
 * `--scenario` takes a shipped name (scenarios/<name>.ts) or a path to a .ts/.js file whose
 * default export is a scenario. TypeScript files load through tsx, registered by bin/gauntlet.js.
 */
export async function loadScenario(nameOrFile: string): Promise<{ scenario: Scenario; source: string }> {
  let file: string;
  if (/^[a-z0-9-]+$/.test(nameOrFile) && (await exists(join(scenariosDir, `${nameOrFile}.ts`)))) file = join(scenariosDir, `${nameOrFile}.ts`);
  else if (await exists(resolve(nameOrFile))) file = isAbsolute(nameOrFile) ? nameOrFile : resolve(nameOrFile);
  else throw new UserError(`unknown scenario "${nameOrFile}": not a file, and not one of ${(await listScenarioNames()).join(', ')}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new UserError(`scenario file ${file} does not load: ${msg}`);
  }
  // A .ts file outside an ESM package loads as CommonJS; its default export then arrives wrapped.
  const wrapped = mod.default as { default?: unknown } | undefined;
  if (wrapped && typeof wrapped === 'object' && 'default' in wrapped && Object.keys(wrapped).length === 1) mod = wrapped;
  if (mod.default === undefined) throw new UserError(`scenario file ${file}: no default export (write \`export default defineScenario({...})\`)`);
  try {
    return { scenario: parseScenario(mod.default, `scenario file ${file}`), source: file };
  } catch (e) {
    if (e instanceof ScenarioError) throw new UserError(e.message);
    throw e;
  }
}
