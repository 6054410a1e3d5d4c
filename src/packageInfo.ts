import { readFileSync } from 'node:fs';

/** gauntlet's version, from package.json: `--version` and every summary.json say it. */
export const gauntletVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
