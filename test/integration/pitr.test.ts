import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isolatedHome, scratchDir } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import type { StartedTopology } from '../../src/topology/startedTopology.js';
import type { RedisNodeHandle } from '../../src/topology/nodeHandles.js';
import { parseScenario } from '../../src/load/scenario.js';
import { runLoad } from '../../src/load/loadEngine.js';
import { verifyLedger } from '../../src/ledger/verifyLedger.js';
import { ledgerForScenario, type Ledger } from '../../src/ledger/ledger.js';
import { LedgerObserver } from '../../src/ledger/ledgerObserver.js';
import { forceAofRewrite, restoreInto, takeBackup, truncateToTimestamp, waitAofWritten } from '../../src/chaos/backupDrill.js';
import { AofArchiver } from '../../src/backup/aofArchiver.js';
import { restoreFromArchive } from '../../src/backup/restoreFromArchive.js';
import { RestorePlanError } from '../../src/backup/restorePlan.js';
import { topologyTarget } from '../../src/target/resolveTarget.js';
import { sessionKey } from '../../src/load/session/sessionKeys.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();
const work = scratchDir('gauntlet-pitr-');
/** How many of these sessions a restored node holds. */
async function present(client: { exists(...keys: string[]): Promise<number> }, records: Array<{ uid: string; sid: string }>): Promise<number> {
  return records.length ? client.exists(...records.map((r) => sessionKey(r.uid, r.sid))) : 0;
}
const manifestOf = (dataDir: string): string => readFileSync(join(dataDir, 'appendonlydir', readdirSync(join(dataDir, 'appendonlydir')).find((f) => f.endsWith('.manifest'))!), 'utf8');

describe('point-in-time restore from the off-host AOF archive, across an AOF rewrite', { timeout: 240_000 }, () => {
  let topology: StartedTopology;
  let master: RedisNodeHandle;
  let archiver: AofArchiver;
  const archiveErrors: Error[] = [];
  let point = 0;
  let ledgerAtPoint: Ledger;
  let ledger: Ledger;
  let manifestBeforeRewrite = '';
  let rewrite = '';
  const archiveDir = join(work, 'archive');
  const textfile = join(work, 'textfile', 'gauntlet_backup.prom');

  before(async () => {
    topology = await new EmbeddedTopology().start();
    master = (await topology.currentMaster())!;
    archiver = new AofArchiver({ dataDir: master.record.dataDir, archiveDir, textfile, node: master.name });
    archiver.start(250, (e) => archiveErrors.push(e));
    const scenario = parseScenario({ ...smoke, thresholds: { p99Ms: 50, maxErrorRate: 0.01 } }, 'pitr');
    ledger = ledgerForScenario(scenario);
    const at = (ms: number, run: () => Promise<void>): void => void setTimeout(() => void run(), ms);
    await runLoad({
      scenario,
      target: topologyTarget('embedded', topology),
      observers: [new LedgerObserver(ledger)],
      onClockStart: () => {
          // The chosen moment: writes paused across a second boundary, the ledger copied then.
          at(4000, async () => {
            const c = master.control();
            await c.call('CLIENT', 'PAUSE', '5000', 'WRITE');
            try {
              await waitAofWritten(c);
              point = Math.floor(Date.now() / 1000);
              await sleep((point + 1) * 1000 + 300 - Date.now());
              ledgerAtPoint = ledger.snapshot();
            } finally {
              await c.call('CLIENT', 'UNPAUSE');
            }
          });
          // After the moment, under load: the rewrite replaces the node's base and incr files.
          at(8000, async () => {
            manifestBeforeRewrite = manifestOf(master.record.dataDir);
            rewrite = await forceAofRewrite(master.control());
          });
      },
    });
    await archiver.stop();
  });
  after(async () => {
    await topology?.stop();
  });
  const loggedInAfter = () => [...ledger.records.values()].filter((r) => !ledgerAtPoint.records.has(r.sid));

  test('the rewrite deleted the moment from the node, and the archive kept it', () => {
    assert.deepEqual(archiveErrors, []);
    assert.match(rewrite, /AOF rewritten/);
    const oldBase = /file (\S+) seq \d+ type b/.exec(manifestBeforeRewrite)![1]!;
    const oldIncr = /file (\S+) seq \d+ type i/.exec(manifestBeforeRewrite)![1]!;
    const onNode = readdirSync(join(master.record.dataDir, 'appendonlydir'));
    assert.ok(!onNode.includes(oldBase) && !onNode.includes(oldIncr), `the node still has ${oldBase} or ${oldIncr}: ${onNode.join(', ')}`);
    const archived = readdirSync(join(archiveDir, 'aof'));
    assert.ok(archived.includes(oldBase) && archived.includes(oldIncr), archived.join(', '));
    assert.ok(readdirSync(join(archiveDir, 'manifests')).length >= 2, 'a manifest from before and after the rewrite');
    // The job's textfile for node_exporter: the backup-age alert reads this, not rdb_last_save.
    const m = /^gauntlet_backup_last_success_timestamp_seconds\{node="(.+)"\} (\d+)$/m.exec(readFileSync(textfile, 'utf8'));
    assert.equal(m?.[1], master.name);
    assert.ok(Number(m?.[2]) >= point, 'the last success is after the moment');
  });

  test('restored from the archive at the moment: exactly what was acknowledged by then, not the later writes', async () => {
    const into = join(work, 'restored');
    const r = await restoreFromArchive({ archiveDir, at: point, into });
    // The base from before the rewrite and the incr file the rewrite deleted from the node.
    assert.ok(manifestBeforeRewrite.includes(r.plan.base.file), `${r.plan.base.file} was on the node before the rewrite`);
    cpSync(join(master.record.dataDir, 'users.acl'), join(into, 'users.acl'));
    const restored = await restoreInto({ dir: into, takenAt: '', files: [] }, topology, join(work, 'restored-node'));
    try {
      const atPoint = await verifyLedger(ledgerAtPoint, restored.client);
      assert.ok(atPoint.keysChecked > 100, String(atPoint.keysChecked));
      assert.equal(atPoint.lost, 0, JSON.stringify(atPoint.examples));
      assert.equal(atPoint.resurrected, 0, JSON.stringify(atPoint.examples));
      // Control: against the final ledger the same restore misses the writes made after the moment,
      // and not one session that logged in after it is there.
      const final = await verifyLedger(ledger, restored.client);
      assert.ok(final.lost > 0, 'writes after the chosen moment are not in the restore');
      assert.ok(loggedInAfter().length > 10, String(loggedInAfter().length));
      assert.equal(await present(restored.client, loggedInAfter()), 0);
    } finally {
      await restored.stop();
    }
  });

  test("control: the node's own AOF after the rewrite cannot reach the moment, with the same tools", async () => {
    // The runbook's old procedure: copy appendonlydir and cut it at the moment. Its only base was
    // written by the rewrite after the moment, so either redis-check-aof finds nothing before the
    // moment in the incr file, or the cut node holds sessions that logged in after the moment.
    const copy = await takeBackup(topology, join(work, 'node-copy'));
    const refused = await truncateToTimestamp(copy, point).then(
      () => null,
      (e: Error & { stdout?: string }) => `${e.stdout ?? ''}${e.message}`,
    );
    if (refused === null) {
      const cut = await restoreInto(copy, topology, join(work, 'node-copy-restored'));
      try {
        assert.ok((await present(cut.client, loggedInAfter())) > 0, 'the node\'s own AOF cut at the moment holds later sessions');
      } finally {
        await cut.stop();
      }
    } else assert.match(refused, /nothing before timestamp/);
    // An archive started after the rewrite has no base taken by the moment: the planner refuses it.
    const late = join(work, 'late-archive');
    await new AofArchiver({ dataDir: master.record.dataDir, archiveDir: late, stagingDir: join(work, 'late-staging') }).syncOnce();
    await assert.rejects(restoreFromArchive({ archiveDir: late, at: point, into: join(work, 'late-restored') }), (e: Error) => e instanceof RestorePlanError && /no archived base was taken by/.test(e.message));
  });
});
