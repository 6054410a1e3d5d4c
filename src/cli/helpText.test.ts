import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backupEnvironment, targetEnvironment, topologyEnvironment } from './helpText.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(src, '..', 'README.md'), 'utf8');
/** Read from the system, not settings of gauntlet. */
const systemVariables = new Set(['PATH']);

const sources = (): string[] => readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(src, f));

/** Every `process.env.NAME` the source reads (variables named by a target file are read as process.env[name]). */
function variablesRead(): string[] {
  const names = sources().flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
  return [...new Set(names)].filter((n) => !systemVariables.has(n)).sort();
}

test("every environment variable src/ reads is in the README's table and in --help", () => {
  const table = readme.slice(readme.indexOf('### Environment variables'), readme.indexOf('## Scenarios'));
  const help = [...topologyEnvironment, ...targetEnvironment, ...backupEnvironment].map(([name]) => name).join(' ');
  const read = variablesRead();
  assert.ok(read.includes('GAUNTLET_HOME') && read.includes('GAUNTLET_BACKUP_PASSWORD'), `the scan finds what is read: ${read.join(', ')}`);
  for (const name of read) {
    assert.ok(table.includes(`\`${name}\``), `README's environment table lacks ${name}`);
    assert.ok(help.includes(name), `--help lacks ${name}`);
  }
});

test("every GAUNTLET_ variable in the README's table is read by src/", () => {
  const table = readme.slice(readme.indexOf('### Environment variables'), readme.indexOf('## Scenarios'));
  const documented = [...new Set([...table.matchAll(/\b(GAUNTLET_[A-Z0-9_]+)/g)].map((m) => m[1]!))];
  const read = variablesRead();
  for (const name of documented) assert.ok(read.includes(name), `README documents ${name}, which src/ does not read`);
});
