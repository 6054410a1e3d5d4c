import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { externalTargetFile, isolatedHome, runCli, useDetachedTopology } from './support.js';

isolatedHome();

interface AuditJson {
  pass: boolean;
  findings: Array<{ id: string; severity: string; where: string }>;
}

describe('gauntlet audit', { timeout: 180_000 }, () => {
  const topology = useDetachedTopology();

  test('`gauntlet cli` runs redis-cli as admin on the master and on a sentinel', async () => {
    const role = await runCli(['cli', 'master', '--', 'ROLE']);
    assert.equal(role.code, 0, role.stderr);
    assert.match(role.stdout, /^master/);
    const s = await runCli(['cli', 'sentinel-0', '--', 'SENTINEL', 'get-master-addr-by-name', topology().masterName]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /127\.0\.0\.1/);
    const bad = await runCli(['cli', 'node-9', '--', 'PING']);
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /no node-9 in topology/);
  });

  test('finds nothing at medium or above in the reference topology', async () => {
    const r = await runCli(['audit', '--target', 'detached', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const a = JSON.parse(r.stdout) as AuditJson & { checked: string[] };
    assert.equal(a.pass, true);
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'low'), []);
    // The reduced sentinel users were asked (ACL DRYRUN) and passed: everything Sentinel sends, nothing more.
    assert.ok(a.checked.includes('the sentinel user on the nodes: what Sentinel sends, nothing more (3 of 3)'), a.checked.join('; '));
    assert.ok(a.checked.includes('the sentinel-peer user on the sentinels: what Sentinel sends, nothing more (3 of 3)'), a.checked.join('; '));
  });

  test('audits an external target file the same way: nodes found through the sentinels, config read by the audit user', async () => {
    const { file, env } = externalTargetFile(topology());
    const r = await runCli(['audit', '--target', file, '--json'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const a = JSON.parse(r.stdout) as AuditJson & { checked: string[]; notChecked: string[] };
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'low'), []);
    assert.ok(a.checked.some((c) => c.includes('(3 nodes)')), a.checked.join('; '));
    // The reference monitoring user may not read ACLs (ACL GETUSER shows password hashes): said, not hidden.
    assert.deepEqual(a.notChecked, ['the sentinel user on the nodes (the audit user may not ACL GETUSER / ACL DRYRUN)', 'the sentinel-peer user on the sentinels (the audit user may not ACL GETUSER / ACL DRYRUN)']);
    const noAuditUser = await runCli(['audit', '--target', file, '--json'], { env: { ...env, TARGET_TEST_MONITORING_PASSWORD: '' } });
    assert.equal(noAuditUser.code, 3);
    assert.match(noAuditUser.stderr, /audit.passwordEnv names environment variable TARGET_TEST_MONITORING_PASSWORD, which is not set/);
  });

  test('finds every planted problem in a deliberately misconfigured topology, and fails', async () => {
    const master = await topology().currentMaster();
    assert.ok(master);
    const replica = topology().nodes.find((n) => n !== master)!;
    await master.control().config('SET', 'appendonly', 'no');
    await replica.control().config('SET', 'maxmemory', '0');
    await replica.control().config('SET', 'maxmemory-policy', 'allkeys-lru');
    await replica.control().call('ACL', 'SETUSER', 'default', 'on', 'nopass', '+@all', '~*');
    await master.control().call('ACL', 'SETUSER', 'app', '+flushall');
    // The least-privilege findings: a sentinel user that may CONFIG SET, a peer user with
    // everything, and a write fence (min-replicas) whose lag outlasts down-after.
    await replica.control().call('ACL', 'SETUSER', 'sentinel', '+config|set', '+client');
    await topology().sentinels[1]!.control().call('ACL', 'SETUSER', 'sentinel-peer', '~*', '+@all');
    await master.control().config('SET', 'min-replicas-to-write', '1');
    await master.control().config('SET', 'min-replicas-max-lag', '10');
    for (const s of topology().sentinels) await s.control().call('SENTINEL', 'SET', topology().masterName, 'down-after-milliseconds', '40000');
    const planted = [['aof-off', master], ['maxmemory-unset', replica], ['eviction-policy', replica], ['unauthenticated-access', replica], ['default-user-on', replica], ['app-not-confined', master]] as const;
    const audit = async (target: string, env?: NodeJS.ProcessEnv): Promise<string[]> => {
      const r = await runCli(['audit', '--target', target, '--json'], { env });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      return (JSON.parse(r.stdout) as AuditJson).findings.map((f) => `${f.id}@${f.where}`);
    };
    const expectAll = (found: string[], expected: string[]): void => {
      for (const e of expected) assert.ok(found.includes(e), `${e} not in ${found.join(', ')}`);
    };
    // down-after is 40 s now, so the lag of 10 s is inside it: put one sentinel back to 3 s (the minimum counts).
    await topology().sentinels[2]!.control().call('SENTINEL', 'SET', topology().masterName, 'down-after-milliseconds', '3000');
    expectAll(await audit('detached'), [
      ...planted.map(([id, node]) => `${id}@${node.name}`),
      'failover-slow@sentinel-0',
      `sentinel-user-config-set@${replica.name}`,
      `sentinel-user-broad-client@${replica.name}`,
      'sentinel-peer-broad@sentinel-1',
      `replica-lag-above-down-after@${master.name}`,
    ]);
    // The same planted problems seen from outside, through a target file (nodes named by their announced address).
    const { file, env } = externalTargetFile(topology());
    const external = await audit(file, env);
    expectAll(external, [...planted.map(([id, node]) => `${id}@${node.announcedAddress}`), `replica-lag-above-down-after@${master.announcedAddress}`]);
    assert.ok(external.some((f) => f.startsWith('failover-slow@sentinel 0')), external.join(', '));
  });
});
