import { access, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { experimentSchema, type Experiment } from './experiment.js';

export const experimentsDir = fileURLToPath(new URL('../../chaos/', import.meta.url));

/** `--chaos` takes a shipped name (chaos/<name>.ts) or a file whose default export is an experiment. */
export async function loadExperiment(nameOrFile: string): Promise<Experiment> {
  const shipped = join(experimentsDir, `${nameOrFile}.ts`);
  const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);
  let file: string;
  if (/^[a-z0-9-]+$/.test(nameOrFile) && (await exists(shipped))) file = shipped;
  else if (await exists(resolve(nameOrFile))) file = resolve(nameOrFile);
  else {
    const names = (await readdir(experimentsDir)).filter((f) => f.endsWith('.ts')).map((f) => basename(f, '.ts'));
    throw new UserError(`unknown chaos experiment "${nameOrFile}": not a file, and not one of ${names.sort().join(', ')}`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new UserError(`chaos experiment ${file} does not load: ${(e as Error).message.split('\n')[0]}`);
  }
  const wrapped = mod.default as { default?: unknown } | undefined;
  const value = wrapped && typeof wrapped === 'object' && 'default' in wrapped ? wrapped.default : mod.default;
  const parsed = experimentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`chaos experiment ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}
