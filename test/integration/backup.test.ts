import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isolatedHome } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import type { StartedTopology } from '../../src/topology/startedTopology.js';
import { parseScenario } from '../../src/load/scenario.js';
import { runLoad, type LoadResult } from '../../src/load/loadEngine.js';
import { verifyLedger } from '../../src/checks/verifyLedger.js';
import { Ledger } from '../../src/checks/ledger.js';
import { restoreInto, takeBackup, truncateToTimestamp } from '../../src/chaos/backupDrill.js';
import { ChaosRunner } from '../../src/chaos/chaosRunner.js';
import { experimentSchema } from '../../src/chaos/experiment.js';
import { topologyTarget } from '../../src/target/resolveTarget.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();
const work = mkdtempSync(join(tmpdir(), 'gauntlet-backup-'));

describe('backup, restore and point-in-time restore, verified with the ledger', { timeout: 240_000 }, () => {
  let topology: StartedTopology;
  let load: LoadResult;
  let pointInTime = 0;
  let ledgerAtPoint: Ledger;

  before(async () => {
    topology = await new EmbeddedTopology().start();
    const target = topologyTarget('embedded', topology);
    const scenario = parseScenario({ ...smoke, thresholds: { p99Ms: 50, maxErrorRate: 0.01 } }, 'backup drill');
    const ledger = new Ledger({ sessionMs: scenario.session.ttl.session, refreshTokenMs: scenario.session.ttl.refreshToken });
    load = await runLoad({
      scenario,
      target,
      ledger,
      chaosHooks: [
        {
          // The chosen moment: writes paused around it, so the AOF's one-second timestamps
          // separate "before" from "after" exactly; the ledger is copied at that moment.
          atMs: 6000,
          windowMs: 4000,
          run: async () => {
            const master = await topology.currentMaster();
            await master!.control().call('CLIENT', 'PAUSE', '3000', 'WRITE');
            await sleep(1200);
            pointInTime = Math.floor(Date.now() / 1000);
            ledgerAtPoint = ledger.snapshot();
          },
        },
      ],
    });
  });
  after(async () => {
    await topology?.stop();
  });

  test('a backup missing acknowledged writes fails the backup-restore drill, which names exactly those keys', async () => {
    // Planted: acknowledged sessions deleted behind the harness before the backup is taken.
    const live = [...load.ledger.records.values()].filter((r) => !r.sessionDeleted && !r.indeterminate).slice(0, 20);
    assert.equal(live.length, 20);
    const master = await topology.currentMaster();
    await master!.control().del(...live.map((r) => `sess:{${r.uid}}:${r.sid}`));
    const experiment = experimentSchema.parse({ name: 'drill', description: 'planted', steps: [{ at: '0s', fault: { kind: 'backup-restore' } }], thresholds: {} });
    const runner = new ChaosRunner(experiment, topology, load.ledger);
    for (const step of runner.hooks(1000)) await step.run();
    const outcome = await runner.runDrills(await runner.finish());
    const drill = outcome.drills[0]!;
    assert.equal(drill.error, null);
    assert.equal(drill.verification?.lost, 20, JSON.stringify(drill.verification?.examples));
    const gate = outcome.thresholds.find((t) => t.name === 'backup-restore: the restore holds what the ledger acknowledged');
    assert.equal(gate?.pass, false, 'the drill gate fails');
    assert.equal(outcome.thresholds.find((t) => t.name === 'backup-restore: procedure ran to completion')?.pass, true);
  });

  test('a procedure whose step never ran (a run stopped early) fails its completion gate', async () => {
    const experiment = experimentSchema.parse({ name: 'never', description: 'step not reached', steps: [{ at: '90%', fault: { kind: 'rotate-app-password' } }], thresholds: {} });
    const runner = new ChaosRunner(experiment, topology, load.ledger);
    runner.hooks(1000);
    const outcome = await runner.finish();
    const gate = outcome.thresholds.find((t) => t.name === 'rotate-app-password: procedure ran to completion');
    assert.equal(gate?.pass, false);
    assert.equal(gate?.actual, 'the step never ran');
  });

  test('point-in-time restore to a chosen moment holds what was acknowledged by then, and not the later writes', async () => {
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
      const final = await verifyLedger(load.ledger, restored.client);
      assert.ok(final.lost > 0, 'writes after the chosen moment are not in the point-in-time restore');
    } finally {
      await restored.stop();
    }
  });
});
