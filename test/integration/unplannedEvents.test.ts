import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { experimentFile, externalTargetFile, gate, gauntletBin, isolatedHome, reportedSummary, runCli, smokeScenarioFile, useDetachedTopology, scratchDir } from './support.js';
import type { Summary } from '../../src/report/summarySchema.js';
import { StartedTopology } from '../../src/topology/startedTopology.js';
import { ledgerVerifiedGateName } from '../../src/gates/ledgerGates.js';

/*
 * No false passes when a run does not go as planned: a step that would never strike, Ctrl-C, a
 * failover gauntlet did not cause. What these tests assert holds on a busy machine (a refusal, a
 * run that is not a pass, an exit code that matches the verdict), so the suite runs this file
 * beside another. falsePasses.test.ts keeps the runs whose verdict a starved generator could turn
 * `invalid` (a step that throws must `fail`), and runs alone.
 */
isolatedHome();
const work = scratchDir('gauntlet-unplanned-');
const reports = join(work, 'reports');
const thresholds = { p99Ms: 50, perOperationP99Ms: 50, maxErrorRate: 0.001 };
const scenario = smokeScenarioFile(work, 'smoke-ci', thresholds);
const longer = smokeScenarioFile(work, 'smoke-30s', thresholds, { stages: [{ name: 'ramp-up', duration: '3s', sessions: 200 }, { name: 'steady', duration: '27s', sessions: 200 }] });

/** The exit code the CLI documents for each verdict. */
const exitFor = { pass: 0, fail: 1, invalid: 2 } as const;

/** Runs `gauntlet run` as a child, sends SIGINT after `afterMs`, and returns its exit code, summary and where the summary is. */
async function interruptedRun(args: string[], afterMs: number, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; s: Summary; stderr: string; summaryFile: string }> {
  const child = spawn(process.execPath, [gauntletBin, 'run', ...args, '--out', reports, '--quiet'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
  setTimeout(() => child.kill('SIGINT'), afterMs);
  const code = await exited;
  const { s, dir } = reportedSummary({ stdout, stderr: `(exit ${code} after SIGINT)\n${stderr}` });
  return { code, s, stderr, summaryFile: join(dir, 'summary.json') };
}

describe('no false passes when a run does not go as planned', { timeout: 900_000 }, () => {
  const topology = useDetachedTopology();

  test('a step scheduled after the end of the run is refused before anything starts', async () => {
    const f = experimentFile(work, 'too-late', { name: 'too-late', description: '', steps: [{ at: '5m', fault: { kind: 'kill-master' } }], thresholds: {} });
    const r = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--chaos', f, '--out', reports, '--quiet']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /scheduled at 300\.0 s, at or after the end of the run \(7\.0 s\): it would never strike/);
  });

  test('Ctrl-C before a step: the report is written, the step never struck, and the run is not a pass (exit 2)', async () => {
    const { code, s } = await interruptedRun(['--scenario', scenario, '--target', 'detached', '--chaos', 'kill-master'], 3000);
    assert.equal(s.aborted, true);
    assert.equal(s.verdict, 'invalid');
    assert.equal(code, 2);
    assert.equal(gate(s, 'kill-master: fault ran to completion')?.pass, false);
    assert.equal(gate(s, 'the run went to the end of its schedule')?.pass, false);
  });

  test('a failover caused behind gauntlet\'s back (no --chaos) is seen, timed, and gated', async () => {
    // Fresh from state.json: earlier runs restarted killed nodes under new pids.
    const t = await StartedTopology.attach(topology().dir);
    const victim = (await t.currentMaster())!;
    const r = runCli(['run', '--scenario', longer, '--target', 'detached', '--out', reports, '--quiet']);
    await sleep(9000);
    victim.signal('SIGKILL');
    const out = await r;
    const { code, stdout } = out;
    const { s } = reportedSummary(out);
    try {
      assert.ok(s.failover, 'a failover section without any chaos experiment');
      assert.equal(s.failover.count, 1);
      const sw = s.failover.switches?.[0];
      assert.equal(sw?.cause, null, 'outside gauntlet');
      assert.ok(sw?.sdownToSwitchMs !== null && sw!.sdownToSwitchMs! < 10_000, JSON.stringify(sw));
      assert.ok(s.failover.clientObservedMs !== null && s.failover.clientObservedMs < 30_000, `write gap ${s.failover.clientObservedMs}`);
      assert.equal(s.chaos.windows[0]?.label, 'failover outside gauntlet');
      assert.ok(s.chaos.excludedOps > 0);
      assert.ok(s.thresholds.some((g) => g.name.includes('failover outside gauntlet') && g.name.includes('+sdown to +switch-master') && g.pass));
      // Pass, fail or (on a busy machine) invalid: whichever, the exit code is the one documented for it.
      assert.equal(code, exitFor[s.verdict], stdout);
    } finally {
      await t.restartNode(victim.name);
      await t.waitHealthy(60_000);
      t.closeControlConnections();
    }
  });

  test('Ctrl-C during a failover on an external target: the report is written, no stack trace, not a pass', async () => {
    const t = await StartedTopology.attach(topology().dir);
    const { file, env } = externalTargetFile(t);
    const victim = (await t.currentMaster())!;
    const child = interruptedRun(['--scenario', longer, '--target', file], 9000, env);
    await sleep(7000);
    victim.signal('SIGKILL');
    const { code, s, stderr, summaryFile } = await child;
    try {
      assert.doesNotMatch(stderr, /internal error|\n\s+at /, stderr);
      assert.equal(s.aborted, true);
      assert.notEqual(s.verdict, 'pass');
      assert.equal(code, exitFor[s.verdict], `exit ${code} for verdict ${s.verdict}`);
      // The whole report, in the run directory under --out.
      assert.ok(!relative(reports, summaryFile).startsWith('..'), `${summaryFile} is under ${reports}`);
      for (const f of ['index.html', 'junit.xml']) assert.ok(existsSync(join(dirname(summaryFile), f)), `${f} beside summary.json`);
      // After the abort the run waited for the promoted master and verified the ledger there.
      assert.ok(s.ledger, `ledger not verified: ${gate(s, ledgerVerifiedGateName)?.actual}`);
      // The SIGINT lands before +switch-master, so the watch may have stopped first; a failover it did see is one, and not gauntlet's.
      if (s.failover) {
        assert.equal(s.failover.count, 1);
        assert.equal(s.failover.switches?.[0]?.cause, null);
      }
    } finally {
      await t.restartNode(victim.name);
      await t.waitHealthy(60_000);
      t.closeControlConnections();
    }
  });
});
