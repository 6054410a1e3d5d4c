import { access, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstLine, UserError } from './errors.js';

/**
 * Loads a user-written definition (a scenario, a chaos experiment): a shipped name from
 * `shippedDir` (`<name>.ts`) or a path to a .ts/.js file, and returns its default export.
 * TypeScript loads through tsx, registered by bin/gauntlet.js. `what` names the kind in
 * messages ("scenario", "chaos experiment").
 */
export async function loadUserModule(nameOrFile: string, shippedDir: string, what: string): Promise<{ value: unknown; file: string }> {
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
  const shipped = join(shippedDir, `${nameOrFile}.ts`);
  let file: string;
  if (/^[a-z0-9-]+$/.test(nameOrFile) && (await exists(shipped))) file = shipped;
  else if (await exists(resolve(nameOrFile))) file = resolve(nameOrFile);
  else throw new UserError(`unknown ${what} "${nameOrFile}": not a file, and not one of ${(await listShippedNames(shippedDir)).join(', ')}`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new UserError(`${what} file ${file} does not load: ${firstLine(e)}`);
  }
  // A .ts file outside an ESM package loads as CommonJS; its default export then arrives wrapped.
  const wrapped = mod.default as { default?: unknown } | undefined;
  if (wrapped && typeof wrapped === 'object' && 'default' in wrapped && Object.keys(wrapped).length === 1) mod = wrapped;
  if (mod.default === undefined) throw new UserError(`${what} file ${file}: no default export (write \`export default ...\`)`);
  return { value: mod.default, file };
}

export async function listShippedNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => basename(f, '.ts')).sort();
}
