import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Project root (where package.json is). */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where topologies keep their run directories and state. One fixed place, so the next
 * `up`, `down` or `run` finds what a killed harness left behind. GAUNTLET_HOME overrides it.
 */
export function gauntletHome(): string {
  return process.env.GAUNTLET_HOME ?? join(projectRoot, '.gauntlet');
}

export function topologiesDir(): string {
  return join(gauntletHome(), 'topologies');
}
