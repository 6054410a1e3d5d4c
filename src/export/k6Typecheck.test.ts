import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadScenario, scenariosDir } from '../load/loadScenario.js';
import { k6Script } from './k6Script.js';
import { lintK6Thresholds } from './k6ThresholdLint.js';

/**
 * The generated scripts are JavaScript for k6, which cannot be built or run here: they are
 * type-checked with tsc against @types/k6 (plus src/export/k6-x-redis.d.ts for the Redis
 * extension, which @types/k6 lacks) and their thresholds are linted.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const types = join(root, 'node_modules/@types');
const run = promisify(execFile);

async function typecheck(dir: string, scripts: string[]): Promise<{ ok: boolean; output: string }> {
  const tsconfig = {
    compilerOptions: {
      allowJs: true,
      checkJs: true,
      noEmit: true,
      strict: true,
      target: 'ES2022',
      module: 'ES2022',
      moduleResolution: 'bundler',
      lib: ['ES2022'],
      types: ['k6'],
      typeRoots: [types],
      // k6's modules ('k6/metrics', ...) resolve to @types/k6 from this temporary directory.
      paths: { k6: [join(types, 'k6/index.d.ts')], 'k6/*': [join(types, 'k6/*')] },
    },
    files: [...scripts, join(root, 'src/export/k6-x-redis.d.ts')],
  };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  try {
    const { stdout } = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')]);
    return { ok: true, output: stdout };
  } catch (e) {
    return { ok: false, output: String((e as { stdout?: string }).stdout ?? e) };
  }
}

async function shippedScenarios(): Promise<string[]> {
  return (await readdir(scenariosDir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => f.replace(/\.ts$/, ''));
}

test('the k6 script of every shipped scenario type-checks against @types/k6 and its thresholds lint clean', async () => {
  const names = await shippedScenarios();
  assert.ok(names.length >= 4, `found the shipped scenarios: ${names.join(', ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-k6-'));
  try {
    const files: string[] = [];
    for (const name of names) {
      const script = k6Script((await loadScenario(name)).scenario);
      assert.deepEqual(lintK6Thresholds(script), [], `${name}: thresholds`);
      const file = join(dir, `${name}.js`);
      await writeFile(file, script);
      files.push(file);
    }
    const result = await typecheck(dir, files);
    assert.ok(result.ok, result.output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the type check fails on a script that misuses the k6 or Redis extension API (so the pass above means something)', async () => {
  const script = k6Script((await loadScenario('smoke')).scenario);
  const planted = [
    // an executor k6 does not have
    script.replace('"executor": "ramping-arrival-rate"', '"executor": "ramping-arival-rate"'),
    // a client option the extension would refuse (it decodes options strictly)
    script.replace('poolSize: 1,', 'poolSiz: 1,'),
    // a key built from a number where the key schema takes strings
    script.replace('sessionKey(s.uid, s.sid)]', 'sessionKey(1, s.sid)]'),
  ];
  const dir = await mkdtemp(join(tmpdir(), 'gauntlet-k6-'));
  try {
    for (const [i, bad] of planted.entries()) {
      assert.notEqual(bad, script, `planted mistake ${i} applies`);
      const file = join(dir, `bad${i}.js`);
      await writeFile(file, bad);
      const result = await typecheck(dir, [file]);
      assert.equal(result.ok, false, `planted mistake ${i} is caught`);
      assert.match(result.output, /error TS\d+/);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
