import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './support.js';

const run = promisify(execFile);
const compose = join(repoRoot, 'compose');

describe('alert rules (compose/alert-rules.yml)', { timeout: 60_000 }, () => {
  test('are valid Prometheus rules', async () => {
    const { stdout } = await run('promtool', ['check', 'rules', join(compose, 'alert-rules.yml')]);
    assert.match(stdout, /SUCCESS: 10 rules found/);
  });

  test('pass their promtool unit tests (each alert fires on its fault and not before)', async () => {
    const { stdout, stderr } = await run('promtool', ['test', 'rules', join(compose, 'alert-rules.test.yml')], { cwd: compose });
    assert.match(stdout + stderr, /SUCCESS/);
  });
});
