import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedHome, runCli, scratchDir } from './support.js';
import { freePort } from '../../src/topology/freePort.js';
import { EmbeddedCluster } from '../../src/topology/embeddedCluster.js';

isolatedHome();
const work = scratchDir('gauntlet-cluster-audit-');

interface AuditJson {
  pass: boolean;
  findings: Array<{ id: string; severity: string; where: string; problem: string }>;
  checked: string[];
  notChecked: string[];
}

/** `gauntlet audit --json` on `target`: its exit code and report. */
async function audit(target: string, env?: NodeJS.ProcessEnv): Promise<{ code: number; a: AuditJson; raw: string }> {
  const r = await runCli(['audit', '--target', target, '--json'], { env, timeoutMs: 60_000 });
  assert.ok(r.stdout.trim().startsWith('{'), `no report (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return { code: r.code, a: JSON.parse(r.stdout) as AuditJson, raw: r.stdout + r.stderr };
}

const ids = (a: AuditJson): string[] => a.findings.map((f) => `${f.id}@${f.where}`);

describe('gauntlet audit on a Redis Cluster', { timeout: 240_000 }, () => {
  test('the reference cluster passes the cluster checks; a planted node timeout of 60 s and an ACL user on one node are flagged, naming the node', { timeout: 240_000 }, async () => {
    await using cluster = await new EmbeddedCluster().start();
    // Detached so that the CLI finds it (`--target detached`); this test still stops it, and a
    // crash of this process still kills its servers.
    await cluster.detach();
    cluster.killOnExit();

    // Healthy: nothing at medium or above, exit 0, every cluster check ran on all six nodes.
    const healthy = await audit('detached');
    assert.equal(healthy.code, 0, healthy.raw);
    assert.equal(healthy.a.pass, true);
    assert.deepEqual(healthy.a.findings.filter((f) => f.severity !== 'low'), [], healthy.raw);
    const checked = healthy.a.checked.join('; ');
    assert.match(checked, /cluster-node-timeout against the 30 s failover goal .*\(6 nodes\)/);
    assert.match(checked, /every slot covered by a working master, each master with a working replica on another host/);
    assert.match(checked, /ACL users identical on all nodes \(6 of 6\)/);
    assert.match(checked, /app user confined/);
    assert.deepEqual(healthy.a.notChecked, ['plaintext port closed under TLS (this cluster runs without TLS)']);
    // Every node announces 127.0.0.1: each master's replica is on the same (loopback) host, said
    // as a low finding for each of the three masters, not hidden and not a failure.
    const shards = await cluster.shards();
    assert.deepEqual(
      healthy.a.findings.filter((f) => f.id === 'replica-same-host').map((f) => `${f.severity}@${f.where}`).sort(),
      shards.map((s) => `low@${s.master!.name}`).sort(),
    );
    assert.ok(!healthy.a.findings.some((f) => f.id === 'cluster-failover-slow' || f.id === 'acl-users-differ' || f.id === 'slots-uncovered'));

    // The node timeout planted on one replica: a failover would take at least 65 s.
    const replica = shards[1]!.replicas[0]!;
    await replica.control().config('SET', 'cluster-node-timeout', '60000');
    const slow = await audit('detached');
    assert.equal(slow.code, 1, slow.raw);
    assert.deepEqual(ids(slow.a).filter((f) => f.startsWith('cluster-failover')), [`cluster-failover-slow@${replica.name}`]);
    assert.match(slow.a.findings.find((f) => f.id === 'cluster-failover-slow')!.problem, /cluster-node-timeout 60000 ms: a failover takes at least 65 s/);

    // The same through a target file (seed node, natMap, app user, the monitoring user as the
    // audit user): found by the node's announced address; ACLs it may not read are said.
    const file = join(work, 'cluster-target.json');
    const natMap = cluster.natMap;
    writeFileSync(file, JSON.stringify({ clusterNodes: [Object.values(natMap)[0]], username: 'app', passwordEnv: 'CA_APP_PASSWORD', natMap, audit: { username: 'monitoring', passwordEnv: 'CA_MONITORING_PASSWORD' } }));
    const env = { CA_APP_PASSWORD: cluster.credentials.app.password, CA_MONITORING_PASSWORD: cluster.credentials.monitoring.password };
    const external = await audit(file, env);
    assert.equal(external.code, 1, external.raw);
    assert.deepEqual(external.a.findings.filter((f) => f.severity !== 'low').map((f) => `${f.id}@${f.where}`), [`cluster-failover-slow@${replica.announcedAddress}`]);
    assert.ok(external.a.checked.some((c) => c.includes('every slot covered')), external.a.checked.join('; '));
    assert.deepEqual(external.a.notChecked, ['ACL users identical on all nodes (the audit user may not ACL LIST)']);

    // Put back, then an ACL user that exists on one node only.
    await replica.control().config('SET', 'cluster-node-timeout', String(cluster.nodeTimeoutMs));
    const other = shards[2]!.master!;
    await other.control().call('ACL', 'SETUSER', 'backdoor', 'on', '>audit-test-password', '~*', '+@all');
    const acl = await audit('detached');
    assert.equal(acl.code, 1, acl.raw);
    assert.deepEqual(acl.a.findings.filter((f) => f.severity !== 'low').map((f) => `${f.id}@${f.where}`), [`acl-users-differ@${other.name}`]);
    assert.match(acl.a.findings.find((f) => f.id === 'acl-users-differ')!.problem, /^user backdoor exists here but not on 5 other nodes/);
  });

  test('a TLS cluster: exit 0 with low findings only, read over TLS (plaintext refused on every node, port 0 read on all six); a plaintext port opened on one node is flagged', { timeout: 120_000 }, async () => {
    await using cluster = await new EmbeddedCluster().withTls().start();
    await cluster.detach();
    cluster.killOnExit();
    const healthy = await audit('detached');
    assert.equal(healthy.code, 0, healthy.raw);
    assert.deepEqual(healthy.a.findings.filter((f) => f.severity !== 'low'), [], healthy.raw);
    // Lines only a TLS audit writes: every node's plaintext probe went unanswered, yet the
    // configuration of all six was read (over TLS) and says port 0.
    assert.ok(healthy.a.checked.includes('plaintext refused under TLS (nodes and sentinels)'), healthy.a.checked.join('; '));
    assert.match(healthy.a.checked.join('; '), /plaintext port 0 \(6 nodes\)/);
    assert.match(healthy.a.checked.join('; '), /every slot covered by a working master/);
    assert.deepEqual(healthy.a.notChecked, []);

    // Planted: a plaintext port opened at run time on one replica, beside its TLS port.
    const replica = (await cluster.shards())[0]!.replicas[0]!;
    await replica.control().config('SET', 'port', String(await freePort()));
    try {
      const open = await audit('detached');
      assert.equal(open.code, 1, open.raw);
      assert.deepEqual(open.a.findings.filter((f) => f.severity !== 'low').map((f) => `${f.id}@${f.where}`), [`plaintext-open@${replica.name}`]);
    } finally {
      await replica.control().config('SET', 'port', '0');
    }
  });
});
