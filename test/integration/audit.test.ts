import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isolatedHome, runCli } from './support.js';
import { StartedTopology } from '../../src/topology/startedTopology.js';
import { listTopologies } from '../../src/topology/staleTopologies.js';

isolatedHome();

interface AuditJson {
  pass: boolean;
  findings: Array<{ id: string; severity: string; where: string }>;
}

describe('gauntlet audit', { timeout: 180_000 }, () => {
  let topology: StartedTopology;
  before(async () => {
    const up = await runCli(['up', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    topology = await StartedTopology.fromState((await listTopologies())[0]!.state!);
  });
  after(async () => {
    topology?.closeControlConnections();
    await runCli(['down']);
  });

  test('`gauntlet cli` runs redis-cli as admin on the master and on a sentinel', async () => {
    const role = await runCli(['cli', 'master', '--', 'ROLE']);
    assert.equal(role.code, 0, role.stderr);
    assert.match(role.stdout, /^master/);
    const s = await runCli(['cli', 'sentinel-0', '--', 'SENTINEL', 'get-master-addr-by-name', topology.masterName]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /127\.0\.0\.1/);
    const bad = await runCli(['cli', 'node-9', '--', 'PING']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /no node-9 in topology/);
  });

  test('finds nothing at medium or above in the reference topology', async () => {
    const r = await runCli(['audit', '--target', 'detached', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const a = JSON.parse(r.stdout) as AuditJson;
    assert.equal(a.pass, true);
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'low'), []);
  });

  test('finds every planted problem in a deliberately misconfigured topology, and fails', async () => {
    const master = await topology.currentMaster();
    assert.ok(master);
    const replica = topology.nodes.find((n) => n !== master)!;
    await master.control().config('SET', 'appendonly', 'no');
    await replica.control().config('SET', 'maxmemory', '0');
    await replica.control().config('SET', 'maxmemory-policy', 'allkeys-lru');
    await replica.control().call('ACL', 'SETUSER', 'default', 'on', 'nopass', '+@all', '~*');
    await master.control().call('ACL', 'SETUSER', 'app', '+flushall');
    for (const s of topology.sentinels) await s.control().call('SENTINEL', 'SET', topology.masterName, 'down-after-milliseconds', '40000');
    const r = await runCli(['audit', '--target', 'detached', '--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const found = new Set((JSON.parse(r.stdout) as AuditJson).findings.map((f) => `${f.id}@${f.where}`));
    for (const expected of [
      `aof-off@${master.name}`,
      `maxmemory-unset@${replica.name}`,
      `eviction-policy@${replica.name}`,
      `unauthenticated-access@${replica.name}`,
      `default-user-on@${replica.name}`,
      `app-not-confined@${master.name}`,
      'failover-slow@sentinel-0',
    ]) {
      assert.ok(found.has(expected), `${expected} not in ${[...found].join(', ')}`);
    }
  });
});
