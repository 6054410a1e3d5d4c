import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosRun, experimentFile, externalTargetFile, gate, gauntletBin, isolatedHome, runCli, smokeScenarioFile, useDetachedTopology, scratchDir } from './support.js';
import type { Summary } from '../../src/report/summarySchema.js';
import { StartedTopology } from '../../src/topology/startedTopology.js';
import { parseScenario } from '../../src/load/scenario.js';
import { runLoad } from '../../src/load/loadEngine.js';
import { ledgerForScenario } from '../../src/ledger/ledger.js';
import { LedgerObserver } from '../../src/ledger/ledgerObserver.js';
import { verifyLedger } from '../../src/ledger/verifyLedger.js';
import { topologyTarget } from '../../src/target/resolveTarget.js';
import { sessionKey } from '../../src/load/session/sessionKeys.js';
import { ledgerVerifiedGateName } from '../../src/gates/ledgerGates.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();
const work = scratchDir('gauntlet-false-passes-');
const reports = join(work, 'reports');
// A budget far above machine noise: only a planted problem can fail these gates.
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
  const m = /report: (\S*summary\.json)/.exec(stdout);
  assert.ok(m, `no report after SIGINT (exit ${code}):\n${stdout}\n${stderr}`);
  return { code, s: JSON.parse(readFileSync(m[1]!, 'utf8')) as Summary, stderr, summaryFile: m[1]! };
}

describe('no false passes', { timeout: 900_000 }, () => {
  const topology = useDetachedTopology();

  test('a planted loss in a session that also had an errored command is still reported', async () => {
    // Real errors: the master pauses writes for 400 ms four times while commands time out after 100 ms.
    const s = parseScenario({ ...smoke, thresholds, stages: [{ name: 'ramp-up', duration: '1s', sessions: 200 }, { name: 'steady', duration: '5s', sessions: 200 }], session: { ...smoke.session, meanLifetime: '1h', mix: { ...smoke.session.mix, revokeAll: 0 }, tokenReuseRate: 0 }, clients: { ...smoke.clients, commandTimeoutMs: 100 } }, 'planted loss');
    const ledger = ledgerForScenario(s);
    const master = (await topology().currentMaster())!;
    const load = runLoad({ scenario: s, target: topologyTarget('detached', topology()), observers: [new LedgerObserver(ledger)] });
    for (let i = 0; i < 4; i++) {
      await sleep(1200);
      await master.control().call('CLIENT', 'PAUSE', '400', 'WRITE');
    }
    const result = await load;
    assert.ok(result.recorder.totalErrors > 0, 'the pauses made commands time out');
    // Sessions whose refresh or logout errored after an acknowledged login.
    const uncertain = [...ledger.records.values()].filter((r) => r.endUncertainAt > 0 && !r.sessionDeleted && !r.mayNotExist).sort((a, b) => b.version - a.version);
    assert.ok(uncertain.length > 0, 'a session with an acknowledged write and then an errored refresh or logout');
    const victim = uncertain[0]!;
    // Control: before anything is planted, the errored sessions are not reported lost.
    const clean = await verifyLedger(ledger, master.control());
    assert.equal(clean.lost, 0, JSON.stringify(clean.examples));
    // Planted: the victim's session falls back below what was acknowledged before its error.
    await master.control().hset(sessionKey(victim.uid, victim.sid), 'v', String(victim.version - 1));
    const r = await verifyLedger(ledger, master.control());
    assert.equal(r.lost, 1, JSON.stringify(r.examples));
    assert.deepEqual(r.findings.map((f) => f.key), [sessionKey(victim.uid, victim.sid)]);
  });

  test('a step that throws fails the run', async () => {
    const f = experimentFile(work, 'throws', { name: 'throws', description: 'cannot strike', steps: [{ at: '40%', fault: { kind: 'delete-acknowledged-sessions', sessions: 10_000 } }], thresholds: {} });
    const { code, s } = await chaosRun(scenario, reports, f);
    const g = gate(s, 'delete-acknowledged-sessions: fault ran to completion');
    assert.equal(g?.pass, false);
    assert.match(g?.actual ?? '', /could not inject: only \d+ acknowledged live sessions/);
    assert.equal(s.verdict, 'fail');
    assert.equal(code, 1);
  });

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

  test('a saturated run that lost acknowledged writes exits 1 (fail), not 2', async () => {
    const flood = smokeScenarioFile(work, 'flood', thresholds, {
      stages: [{ name: 'ramp-up', duration: '1s', sessions: 3000 }, { name: 'steady', duration: '6s', sessions: 3000 }],
      session: { ...smoke.session, thinkTime: { distribution: 'constant', ms: 1 }, meanLifetime: '1h', mix: { ...smoke.session.mix, revokeAll: 0 }, tokenReuseRate: 0 },
      clients: { instances: 2, autoPipelining: true, commandTimeoutMs: 5000 },
    });
    const f = experimentFile(work, 'planted', { name: 'planted', description: 'planted loss', steps: [{ at: '70%', fault: { kind: 'delete-acknowledged-sessions', sessions: 20 } }], thresholds: {} });
    const { code, s } = await chaosRun(flood, reports, f);
    assert.equal(s.generator.saturated, true, 'the generator could not keep up');
    assert.ok((s.ledger?.lost ?? 0) >= 20, `lost ${s.ledger?.lost}`);
    assert.equal(s.verdict, 'fail');
    assert.equal(code, 1);
  });

  test('a latency problem that persists after the failover is caught outside the chaos window', async () => {
    const early = experimentFile(work, 'kill-master-early', { name: 'kill-master-early', description: '', steps: [{ at: '30%', fault: { kind: 'kill-master' } }], thresholds: { expectFailover: true } });
    // Control first: the same run without the planted stall passes its latency gates.
    const clean = await chaosRun(longer, reports, early);
    assert.equal(gate(clean.s, 'p99 latency, all operations (outside chaos windows)')?.pass, true, clean.stdout);
    const window = clean.s.chaos.windows[0];
    assert.ok(window?.recoveredAtMs, `the window closed by recovery: ${JSON.stringify(clean.s.chaos.windows)}`);
    assert.ok(window.endMs! - window.startMs < 20_000, 'well before the old fixed 30 s');
    // Planted: once the new master is in place, it stalls 200 ms every 600 ms until the run ends.
    // Four times the 50 ms budget: a breach that far past it is the target's even if the generator
    // falls behind (its lag gate is outweighed while its longest event-loop delay stays under
    // about 75 ms), so a busy machine cannot turn this fail into invalid.
    const before = (await topology().currentMaster())!;
    const run = chaosRun(longer, reports, early);
    let finished = false;
    void run.finally(() => (finished = true));
    let stalls = 0;
    const deadline = Date.now() + 60_000;
    let fresh = before;
    while (Date.now() < deadline && fresh === before) {
      await sleep(200);
      fresh = (await topology().currentMaster()) ?? before;
    }
    assert.notEqual(fresh, before, 'the failover happened');
    await sleep(8000);
    // Until the load is over (the verification that follows is not the target's latency).
    while (!finished && stalls < 30 && Date.now() < deadline) {
      if (!(await fresh.control().call('DEBUG', 'SLEEP', '0.2').then(() => true, () => false))) break;
      stalls++;
      await sleep(400);
    }
    const { code, s } = await run;
    assert.ok(stalls > 5);
    assert.equal(gate(s, 'p99 latency, all operations (outside chaos windows)')?.pass, false, JSON.stringify(s.thresholds));
    assert.equal(gate(s, 'a failover happened')?.pass, true);
    assert.equal(code, 1);
  });

  test('a failover caused behind gauntlet\'s back (no --chaos) is seen, timed, and gated', async () => {
    // Fresh from state.json: earlier runs restarted killed nodes under new pids.
    const t = await StartedTopology.attach(topology().dir);
    const victim = (await t.currentMaster())!;
    const r = runCli(['run', '--scenario', longer, '--target', 'detached', '--out', reports, '--quiet']);
    await sleep(9000);
    victim.signal('SIGKILL');
    const { code, stdout } = await r;
    const m = /report: (\S*summary\.json)/.exec(stdout);
    assert.ok(m, stdout);
    const s = JSON.parse(readFileSync(m[1]!, 'utf8')) as Summary;
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
