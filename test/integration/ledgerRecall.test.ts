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
import smoke from '../../scenarios/smoke.js';
import { keyPatterns, tokenFamilyKey } from '../../src/load/session/sessionKeys.js';

isolatedHome();

const sessionGlob = keyPatterns.session.replace(/<\w+>/g, '*');

interface SessionOnNode {
  version: number;
  uid: string;
  family: string;
}

/** Every session hash on a node with its version and token family: the node's own record of what it applied. */
async function sessionVersions(c: Redis): Promise<Map<string, SessionOnNode>> {
  const out = new Map<string, SessionOnNode>();
  let cursor = '0';
  do {
    const [next, keys] = (await c.scan(cursor, 'MATCH', sessionGlob, 'COUNT', 1000)) as [string, string[]];
    cursor = next;
    if (keys.length === 0) continue;
    const p = c.pipeline();
    for (const k of keys) p.hmget(k, 'v', 'uid', 'fam');
    const res = (await p.exec()) ?? [];
    keys.forEach((k, i) => {
      const [v, uid, family] = (res[i]?.[1] ?? []) as Array<string | null>;
      if (v && uid && family) out.set(k, { version: Number(v), uid, family });
    });
  } while (cursor !== '0');
  return out;
}

/** Token families the node holds revoked: every legitimate end (logout, revoke-all, reuse detection) revokes its family in the same script. */
async function revokedFamilies(c: Redis, sessions: Iterable<SessionOnNode>): Promise<Set<string>> {
  const list = [...sessions];
  const p = c.pipeline();
  for (const s of list) p.hget(tokenFamilyKey(s.uid, s.family), 'state');
  const res = (await p.exec()) ?? [];
  return new Set(list.filter((_, i) => res[i]?.[1] === 'revoked').map((s) => s.family));
}

/**
 * Recall of the ledger against an independent source of truth: what the isolated old master
 * itself applied in a split brain (read straight from it, over the harness's own connection,
 * just before the partition heals), compared with what the final master holds. Every session
 * whose version on the old master is newer than on the final master (or absent there) is a real
 * loss, unless the final master holds its token family revoked: the session was ended since
 * (logout, revoke-all or a replayed token), which is not a loss. The ledger must report (nearly)
 * all of them, and nothing that is not real. The mix includes revoke-all and token replay, whose
 * errors around the failover are what used to leave sessions unchecked.
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
        session: { ...smoke.session, thinkTime: { distribution: 'exponential', meanMs: 400 }, meanLifetime: '1h', mix: { request: 57, refresh: 30, oauth: 10, revokeAll: 3 }, tokenReuseRate: 0.05 },
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
    const gone = [...onOldMaster].filter(([k]) => !onFinal.has(k)).map(([, v]) => v);
    const endedSince = await revokedFamilies(finalMaster.control(), gone);
    const truth = [...onOldMaster].filter(([k, v]) => (onFinal.has(k) ? onFinal.get(k)!.version < v.version : !endedSince.has(v.family))).map(([k]) => k);
    const isSessionKey = (key: string): boolean => key.startsWith(keyPatterns.session.slice(0, keyPatterns.session.indexOf('{')));
    const reported = new Set(result.ledgerFindings.filter((f) => f.kind === 'lost' && isSessionKey(f.key)).map((f) => f.key));
    const found = truth.filter((k) => reported.has(k));
    const recall = found.length / truth.length;
    // Precision: every session key the ledger reports lost really is older or absent on the final
    // master, or, when the app found it older during the run and later writes took it past the
    // acknowledged version, the isolated old master applied that version (the write lost with it).
    const wrong: string[] = [];
    let hiddenSince = 0;
    let goneAtLogout = 0;
    for (const f of result.ledgerFindings.filter((x) => x.kind === 'lost' && isSessionKey(x.key))) {
      const acked = Number(/v=(\d+)/.exec(f.acknowledged)?.[1]);
      // Found gone by its own logout (absent from the final master since): real only if the
      // isolated old master held the session, so the failover is what took it away.
      if (/its logout found it already gone/.test(f.found)) {
        if (onOldMaster.has(f.key)) goneAtLogout++;
        else wrong.push(`${f.key}: acknowledged ${f.acknowledged}, not on the old master, found ${f.found}`);
        continue;
      }
      if ((onFinal.get(f.key)?.version ?? 0) < acked) continue;
      if (/the app found v=\d+ at /.test(f.found) && (onOldMaster.get(f.key)?.version ?? 0) >= acked) {
        hiddenSince++;
        continue;
      }
      wrong.push(`${f.key}: acknowledged ${f.acknowledged}, final v=${onFinal.get(f.key)?.version}, old master v=${onOldMaster.get(f.key)?.version}, found ${f.found}`);
    }
    console.log(`recall: ${found.length} of ${truth.length} real session losses reported (${recall.toFixed(3)}); ${endedSince.size} gone from the final master were ended since; ${reported.size} reported, ${hiddenSince} of them found older by the app and written past since (the old master held the acknowledged version), ${goneAtLogout} found gone by their own logout (the old master held them), ${wrong.length} not real; unverifiable share ${result.summary.ledger?.unverifiableShare}`);
    assert.ok((result.summary.ops.outcomes['token-reuse-revoked'] ?? 0) > 0, 'replayed tokens revoked families during the run');
    assert.ok((result.summary.latencyMs.byOp['revokeAll']?.count ?? 0) > 0, 'revoke-all ran during the run');
    assert.ok(truth.length >= 50, `the partition must lose enough to measure (${truth.length})`);
    assert.deepEqual(wrong, [], 'precision 1.0');
    assert.ok(recall >= 0.99, `recall ${recall.toFixed(3)}: missed ${truth.filter((k) => !reported.has(k)).slice(0, 10).join(', ')}`);
    assert.equal(result.summary.verdict, 'fail');
  });
});
