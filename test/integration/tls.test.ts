import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { assertPassedOrStarved, besideAnotherFile, chaosRun, externalTargetFile, isolatedHome, reportedSummary, runCli, smokeScenarioFile, scratchDir } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import { StartedTopology } from '../../src/topology/startedTopology.js';
import { listTopologies } from '../../src/topology/staleTopologies.js';
import { presentedFingerprint } from '../../src/chaos/procedures/rotateTlsCertificates.js';
import { sessionKey } from '../../src/load/session/sessionKeys.js';

isolatedHome();
const work = scratchDir('gauntlet-tls-');

async function answers(options: RedisOptions): Promise<string> {
  const c = new Redis({ ...options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false, connectTimeout: 2000, commandTimeout: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return String(await c.ping());
  } catch (e) {
    return `refused: ${(e as Error).message}`;
  } finally {
    c.disconnect();
  }
}

describe('TLS topology', { timeout: 300_000 }, () => {
  test('refuses plaintext on every node and sentinel, and passes a full kill-master run over TLS', async () => {
    const up = await runCli(['up', '--tls', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    const t = await StartedTopology.fromState((await listTopologies())[0]!.state!);
    try {
      for (const h of [...t.nodes, ...t.sentinels]) {
        assert.match(await answers({ host: '127.0.0.1', port: h.controlPort, ...t.credentials.admin }), /^refused/, `${h.name} plaintext`);
        assert.equal(await answers({ host: '127.0.0.1', port: h.controlPort, ...t.adminAuth }), 'PONG', `${h.name} over TLS`);
      }
      const audit = await runCli(['audit', '--target', 'detached', '--json']);
      assert.equal(audit.code, 0, audit.stdout);
      assert.ok((JSON.parse(audit.stdout) as { checked: string[] }).checked.some((c) => c.startsWith('plaintext refused under TLS')));
      const scenario = smokeScenarioFile(work, 'smoke-ci', { p99Ms: 50, perOperationP99Ms: 50, maxErrorRate: 0.001 }, { generator: besideAnotherFile });
      // The same topology as an external target file with a CA: the path a staging deployment takes.
      const external = externalTargetFile(t);
      const extAudit = await runCli(['audit', '--target', external.file, '--json'], { env: external.env });
      assert.equal(extAudit.code, 0, extAudit.stdout + extAudit.stderr);
      assert.ok((JSON.parse(extAudit.stdout) as { checked: string[] }).checked.some((c) => c.includes('plaintext port 0')));
      const extRun = await runCli(['run', '--scenario', scenario, '--target', external.file, '--out', join(work, 'reports'), '--quiet'], { env: external.env });
      assertPassedOrStarved(extRun.code, reportedSummary(extRun).s, extRun.stdout + extRun.stderr);

      // Durable writes fail (NOREPLICAS) until a replica is re-attached to the new master: a 20 s
      // steady stage leaves room for that after the kill (CI once ended a 13 s run before it).
      const r = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--chaos', 'kill-master', '--durable', '--duration', '30s', '--out', join(work, 'reports'), '--quiet']);
      const { s } = reportedSummary(r);
      assert.equal(s.target.tls, true);
      assert.ok(s.failover && s.failover.count >= 1);
      assert.equal(s.ledger?.lost, 0);
      assertPassedOrStarved(r.code, s, r.stdout);

      // Rotating the server certificate under load: every server presents a new one afterwards.
      const ca = readFileSync(t.snapshot.tls!.ca);
      const before = await presentedFingerprint(t.nodes[0]!.controlPort, ca);
      // 10 s steady: enough seconds outside the rotation's window for the steady-state gates (see procedures.test.ts).
      const rotation = await chaosRun(scenario, join(work, 'reports'), 'rotate-tls-certificates', ['--duration', '10s']);
      assert.equal(rotation.s.thresholds.find((g) => g.name === 'every server presents the rotated certificate')?.pass, true, rotation.stdout);
      assert.notEqual(await presentedFingerprint(t.nodes[0]!.controlPort, ca), before);
      assert.equal(rotation.s.ledger?.lost, 0);
      assertPassedOrStarved(rotation.code, rotation.s, rotation.stdout);
    } finally {
      t.closeControlConnections();
      await runCli(['down']);
    }
  });

  test('mutual TLS refuses a client without a certificate', async () => {
    await using t = await new EmbeddedTopology().withTls(true).start();
    const node = t.nodes[0]!;
    const { cert: _c, key: _k, ...caOnly } = t.adminAuth.tls!;
    assert.match(await answers({ host: '127.0.0.1', port: node.controlPort, ...t.credentials.admin, tls: caOnly }), /^refused/);
    assert.equal(await answers({ host: '127.0.0.1', port: node.controlPort, ...t.adminAuth }), 'PONG');
    const app = new Redis(t.clientOptions({ maxRetriesPerRequest: 1 }));
    app.on('error', () => undefined);
    assert.equal(await app.set(sessionKey('tls', '1'), 'x'), 'OK');
    app.disconnect();
  });
});
