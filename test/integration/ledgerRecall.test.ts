import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { isolatedHome } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import type { StartedTopology } from '../../src/topology/startedTopology.js';
import type { RedisNodeHandle } from '../../src/topology/nodeHandles.js';
import { parseScenario } from '../../src/load/scenario.js';
import { experimentSchema } from '../../src/chaos/experiment.js';
import { executeRun } from '../../src/run/executeRun.js';
import { keyGlob, keyPrefix } from '../../src/load/session/sessionKeys.js';
import smoke from '../../scenarios/smoke.js';

isolatedHome();

/** Every session hash on a node with its version: the node's own record of what it applied. */
async function sessionVersions(c: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = (await c.scan(cursor, 'MATCH', keyGlob('session'), 'COUNT', 1000)) as [string, string[]];
    cursor = next;
    if (keys.length === 0) continue;
    const p = c.pipeline();
    for (const k of keys) p.hget(k, 'v');
    const res = (await p.exec()) ?? [];
    keys.forEach((k, i) => {
      const v = res[i]?.[1];
      if (v !== null && v !== undefined) out.set(k, Number(v));
    });
  } while (cursor !== '0');
  return out;
}

/**
 * Recall of the ledger against an independent source of truth: what the isolated old master
 * itself applied in a split brain (read straight from it, over the harness's own connection,
 * just before the partition heals), compared with what the final master holds. Every session
 * whose version on the old master is newer than on the final master (or absent there) is a real
 * loss; the ledger must report (nearly) all of them, and nothing that is not real.
 */
describe('ledger recall against what the isolated old master applied', { timeout: 300_000 }, () => {
  let topology: StartedTopology;
  before(async () => {
    topology = await new EmbeddedTopology().detached().start();
  });
  after(async () => {
    await topology?.stop();
  });

  test('a lossy partition: recall >= 0.99 at precision 1.0', async () => {
    // 1,000 sessions acting every 400 ms: about 2,500 operations/s, a refresh every ~10 actions.
    const scenario = parseScenario(
      {
        ...smoke,
        name: 'recall',
        stages: [{ name: 'ramp-up', duration: '2s', sessions: 1000 }, { name: 'steady', duration: '24s', sessions: 1000 }],
        session: { ...smoke.session, thinkTime: { distribution: 'exponential', meanMs: 400 }, meanLifetime: '1h', mix: { request: 60, refresh: 30, oauth: 10, revokeAll: 0 }, tokenReuseRate: 0 },
        // No revoke-all and no token replay: a session missing on the final master can only be a loss, never a later legitimate delete.
        thresholds: { p99Ms: 1000, maxErrorRate: 1 },
      },
      'recall',
    );
    const partitionMs = 10_000;
    const experiment = experimentSchema.parse({ name: 'lossy-partition', description: '', steps: [{ at: '30%', fault: { kind: 'partition-master', duration: partitionMs } }], thresholds: { expectFailover: true } });
    const oldMaster = (await topology.currentMaster()) as RedisNodeHandle;
    const run = executeRun({
      runId: 'recall', scenario, scenarioSource: 'recall', experiment, seed: 11, target: 'detached', tls: undefined, allowDestructive: false,
      writeMode: 'async', verify: true, monitoring: false, metricsPort: undefined, baseline: null,
    });
    // The truth: once the peer link is cut, wait until just before it heals, then read the old master.
    const peer = await topology.proxy(oldMaster.peerProxyName);
    const deadline = Date.now() + 60_000;
    while ((await topology.proxy(peer.name)).enabled && Date.now() < deadline) await sleep(50);
    await sleep(partitionMs - 1500);
    const onOldMaster = await sessionVersions(oldMaster.control());
    const result = await run;
    const finalMaster = (await topology.currentMaster())!;
    assert.notEqual(finalMaster, oldMaster, 'the sentinels promoted a replica');
    const onFinal = await sessionVersions(finalMaster.control());
    // Real losses: the old master had a session at a version the final master does not have.
    const truth = [...onOldMaster].filter(([k, v]) => (onFinal.get(k) ?? 0) < v).map(([k]) => k);
    const reported = new Set(result.ledgerFindings.filter((f) => f.kind === 'lost' && f.key.startsWith(keyPrefix('session'))).map((f) => f.key));
    const found = truth.filter((k) => reported.has(k));
    const recall = found.length / truth.length;
    // Precision: every session key the ledger reports lost really is older or absent on the final master.
    const wrong: string[] = [];
    for (const f of result.ledgerFindings.filter((x) => x.kind === 'lost' && x.key.startsWith(keyPrefix('session')))) {
      const acked = Number(/v=(\d+)/.exec(f.acknowledged)?.[1]);
      if ((onFinal.get(f.key) ?? 0) >= acked) wrong.push(`${f.key}: acknowledged ${f.acknowledged}, final v=${onFinal.get(f.key)}`);
    }
    console.log(`recall: ${found.length} of ${truth.length} real session losses reported (${recall.toFixed(3)}); ${reported.size} reported, ${wrong.length} not real; unverifiable share ${result.summary.ledger?.unverifiableShare}`);
    assert.ok(truth.length >= 50, `the partition must lose enough to measure (${truth.length})`);
    assert.deepEqual(wrong, [], 'precision 1.0');
    assert.ok(recall >= 0.99, `recall ${recall.toFixed(3)}: missed ${truth.filter((k) => !reported.has(k)).slice(0, 10).join(', ')}`);
    assert.equal(result.summary.verdict, 'fail');
  });
});
