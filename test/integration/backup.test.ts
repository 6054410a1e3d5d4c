import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isolatedHome, scratchDir } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import type { StartedTopology } from '../../src/topology/startedTopology.js';
import { parseScenario } from '../../src/load/scenario.js';
import { runLoad } from '../../src/load/loadEngine.js';
import { verifyLedger } from '../../src/ledger/verifyLedger.js';
import { ledgerForScenario, type Ledger } from '../../src/ledger/ledger.js';
import { LedgerObserver } from '../../src/ledger/ledgerObserver.js';
import { restoreInto, takeBackup, truncateToTimestamp } from '../../src/chaos/backupDrill.js';
import { experimentSchema } from '../../src/chaos/experiment.js';
import { executeRun } from '../../src/run/executeRun.js';
import type { RunPlan } from '../../src/run/runPlan.js';
import { topologyTarget } from '../../src/target/resolveTarget.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();
const work = scratchDir('gauntlet-backup-');
// Sessions that neither log out nor get revoked during the run: a planted deletion stays a loss.
const scenario = parseScenario(
  { ...smoke, session: { ...smoke.session, meanLifetime: '1h', tokenReuseRate: 0, mix: { ...smoke.session.mix, revokeAll: 0 } }, thresholds: { p99Ms: 50, maxErrorRate: 0.01 } },
  'backup drill',
);

function plan(experiment: unknown, over: Partial<RunPlan> = {}): RunPlan {
  return {
    runId: `backup-test-${Math.random().toString(36).slice(2, 8)}`, scenario, scenarioSource: 'backup drill', experiment: experimentSchema.parse(experiment), seed: 7,
    target: 'detached', tls: undefined, allowDestructive: false, writeMode: 'async', verify: true, monitoring: false, metricsPort: undefined, baseline: null, ...over,
  };
}

describe('backup, restore and point-in-time restore, verified with the ledger', { timeout: 240_000 }, () => {
  let topology: StartedTopology;

  before(async () => {
    topology = await new EmbeddedTopology().detached().start();
  });
  after(async () => {
    await topology?.stop();
  });

  test('a backup missing acknowledged writes fails the backup-restore drill, which names exactly those keys', async () => {
    // Planted: 20 acknowledged sessions deleted behind the harness just before the backup.
    const r = await executeRun(
      plan({
        name: 'planted-loss-then-backup', description: 'planted', thresholds: {},
        steps: [{ at: '45%', fault: { kind: 'delete-acknowledged-sessions', sessions: 20 } }, { at: '50%', fault: { kind: 'backup-restore' } }],
      }),
    );
    const planted = r.summary.chaos.steps[0]!;
    assert.equal(planted.outcome, 'completed', planted.detail);
    const keys = planted.detail.split(': ')[1]!.split(' ').sort();
    assert.equal(keys.length, 20);
    const drill = r.summary.chaos.drills[0]!;
    assert.equal(drill.error, null);
    assert.equal(drill.verification?.lost, 20, JSON.stringify(drill.verification?.examples));
    assert.equal(r.summary.thresholds.find((t) => t.name === 'backup-restore: the restore holds what the ledger acknowledged')?.pass, false, 'the drill gate fails');
    assert.equal(r.summary.thresholds.find((t) => t.name === 'backup-restore: procedure ran to completion')?.pass, true);
    // The run's own ledger names exactly the planted keys, and nothing else.
    assert.deepEqual(r.ledgerFindings.filter((f) => f.kind === 'lost').map((f) => f.key).sort(), keys);
    assert.equal(r.summary.verdict, 'fail');
  });

  test('a run aborted before a procedure step reaches it: a result, not an exception, never pass, and the step gate says it never ran', async () => {
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGINT'), 3000);
    const r = await executeRun(plan({ name: 'never', description: 'step not reached', steps: [{ at: '90%', fault: { kind: 'rotate-app-password' } }], thresholds: {} }), { signal: abort.signal });
    assert.equal(r.summary.aborted, true);
    assert.notEqual(r.summary.verdict, 'pass');
    const gate = r.summary.thresholds.find((t) => t.name === 'rotate-app-password: procedure ran to completion');
    assert.equal(gate?.pass, false);
    assert.match(gate?.actual ?? '', /never ran/);
    assert.match(r.summary.verdictReason, /stopped early/);
  });

  test('point-in-time restore to a chosen moment holds what was acknowledged by then, and not the later writes', async () => {
    const ledger: Ledger = ledgerForScenario(scenario);
    let pointInTime = 0;
    let ledgerAtPoint: Ledger | null = null;
    const target = topologyTarget('detached', topology);
    await runLoad({
      scenario,
      target,
      observers: [new LedgerObserver(ledger)],
      onClockStart: () => {
        // The chosen moment: writes paused around it, so the AOF's one-second timestamps
        // separate "before" from "after" exactly; the ledger is copied at that moment.
        setTimeout(async () => {
          const master = await topology.currentMaster();
          await master!.control().call('CLIENT', 'PAUSE', '3000', 'WRITE');
          await sleep(1200);
          pointInTime = Math.floor(Date.now() / 1000);
          ledgerAtPoint = ledger.snapshot();
        }, 6000);
      },
    });
    assert.ok(pointInTime > 0 && ledgerAtPoint);
    const backup = await takeBackup(topology, join(work, 'backup-pitr'));
    await truncateToTimestamp(backup, pointInTime);
    const restored = await restoreInto(backup, topology, join(work, 'restore-pitr'));
    try {
      const atPoint = await verifyLedger(ledgerAtPoint, restored.client);
      assert.ok(atPoint.keysChecked > 100);
      assert.equal(atPoint.lost, 0, JSON.stringify(atPoint.examples));
      assert.equal(atPoint.resurrected, 0, JSON.stringify(atPoint.examples));
      // Control: against the final ledger the same restore misses the writes made after the moment.
      const final = await verifyLedger(ledger, restored.client);
      assert.ok(final.lost > 0, 'writes after the chosen moment are not in the point-in-time restore');
    } finally {
      await restored.stop();
    }
  });
});
