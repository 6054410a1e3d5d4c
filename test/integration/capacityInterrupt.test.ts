import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import type { Capacity } from '../../src/capacity/capacitySchema.js';
import { gauntletBin, isolatedHome, runCli, scratchDir } from './support.js';
import { capacityValidator, kneeScenarioFile } from './capacityScenarios.js';

// Apart from capacity.test.ts: this asserts what an interrupted sweep leaves, not where a knee
// is, so it runs beside another file (scripts/test-integration.sh, phase 2).
isolatedHome();
const work = scratchDir('gauntlet-capacity-interrupt-');
const reports = join(work, 'reports');
const validate = capacityValidator();
const kneeScenario = kneeScenarioFile(work);

describe('Ctrl-C during a sweep', { timeout: 170_000 }, () => {
  test('writes capacity.json and the page with the steps measured so far, the step under way interrupted; exit 2; nothing left running', async () => {
    const child = spawn(process.execPath, [gauntletBin, 'capacity', '--out', reports, '--scenario', kneeScenario, '--from', '300', '--step-duration', '4s', '--p99-precision', '100'], { env: process.env });
    let stdout = '';
    let stderr = '';
    let stopping = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
        // The second step's note (a rise or, on a busy machine, a descent): the first is judged (its hold doubled as often as it needed). Stop in the second one, 2 s into its 3 s ramp.
        // One SIGINT only: a second one exits at once.
        if (!stopping && /^step 2 \(/m.test(stderr)) {
          stopping = true;
          setTimeout(() => child.kill('SIGINT'), 2000);
        }
      });
      child.on('exit', (c) => resolve(c));
    });
    clearTimeout(killer);
    assert.equal(code, 2, stdout + stderr);
    const m = /^report: (\S*capacity\.json)/m.exec(stdout);
    assert.ok(m, stdout);
    const c = JSON.parse(readFileSync(m[1]!, 'utf8')) as Capacity;
    assert.ok(validate(c), JSON.stringify(validate.errors?.slice(0, 3)));
    assert.equal(c.outcome.kind, 'interrupted');
    assert.deepEqual(c.steps.map((x) => [x.index, x.result === 'interrupted']), [[1, false], [2, true]], stdout);
    assert.ok(existsSync(join(dirname(m[1]!), 'index.html')));
    assert.match(stdout, /^sweep stopped before it found the knee/m);
    const status = await runCli(['status']);
    assert.match(status.stdout + status.stderr, /no embedded topology is running/);
  });
});
