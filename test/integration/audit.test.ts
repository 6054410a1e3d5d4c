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
    const a = JSON.parse(r.stdout) as AuditJson;
    assert.equal(a.pass, true);
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'low'), []);
  });

  test('audits an external target file the same way: nodes found through the sentinels, config read by the audit user', async () => {
    const { file, env } = externalTargetFile(topology());
    const r = await runCli(['audit', '--target', file, '--json'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const a = JSON.parse(r.stdout) as AuditJson & { checked: string[]; notChecked: string[] };
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'low'), []);
    assert.ok(a.checked.some((c) => c.includes('(3 nodes)')), a.checked.join('; '));
    assert.deepEqual(a.notChecked, []);
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
    expectAll(await audit('detached'), [...planted.map(([id, node]) => `${id}@${node.name}`), 'failover-slow@sentinel-0']);
    // The same planted problems seen from outside, through a target file (nodes named by their announced address).
    const { file, env } = externalTargetFile(topology());
    const external = await audit(file, env);
    expectAll(external, planted.map(([id, node]) => `${id}@${node.announcedAddress}`));
    assert.ok(external.some((f) => f.startsWith('failover-slow@sentinel 0')), external.join(', '));
  });
});
