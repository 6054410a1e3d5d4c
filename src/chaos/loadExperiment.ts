import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { firstIssue } from '../inputValidation.js';
import { listShippedNames, loadUserModule } from '../userModule.js';
import { experimentSchema, type Experiment } from './experiment.js';

export const experimentsDir = fileURLToPath(new URL('../../chaos/', import.meta.url));

/** `--chaos`: a shipped name (chaos/<name>.ts) or a file whose default export is an experiment. */
export async function loadExperiment(nameOrFile: string): Promise<Experiment> {
  const { value, file } = await loadUserModule(nameOrFile, experimentsDir, 'chaos experiment');
  const parsed = experimentSchema.safeParse(value);
  if (!parsed.success) throw new UserError(`chaos experiment ${file}: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/** Every experiment in chaos/, loaded and validated as `--chaos NAME` would load it. */
export async function shippedExperiments(): Promise<Experiment[]> {
  return Promise.all((await listShippedNames(experimentsDir)).map((name) => loadExperiment(name)));
}
