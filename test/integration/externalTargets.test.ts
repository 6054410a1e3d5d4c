import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Summary } from '../../src/report/summarySchema.js';
import { externalTarget } from '../../src/target/externalTarget.js';
import { readExternalTargetFile } from '../../src/target/externalTargetFile.js';
import { checkTargetReachable } from '../../src/target/resolveTarget.js';
import { generateCredentials, type Credentials } from '../../src/topology/credentials.js';
import { freePort } from '../../src/topology/freePort.js';
import { findBinaries } from '../../src/topology/prerequisites.js';
import { stopProcess } from '../../src/topology/processControl.js';
import { directClient, startRedisLike } from '../../src/topology/redisProcess.js';
import { parseInfo } from '../../src/topology/replicationInfo.js';
import { renderAclFile, renderNodeConfig } from '../../src/topology/serverConfigs.js';
import { assertPassedOrStarved, eventually, externalTargetFile, isolatedHome, repoRoot, runCli, smokeScenarioFile, useDetachedTopology, scratchDir } from './support.js';

/**
 * Targets gauntlet did not start, as a person points it at them: a Sentinel deployment whose
 * app user has only the session commands (no INFO), one whose sentinels have no password, and a
 * plain endpoint (a standalone primary, as ElastiCache or MemoryDB expose) whose replica is
 * promoted behind gauntlet's back.
 */
isolatedHome();
const work = scratchDir('gauntlet-external-');
const reports = join(work, 'reports');
// The budget sits far above what a healthy run shows on a busy shared machine: verdicts here never depend on noise.
const scenario = smokeScenarioFile(work, 'smoke-generous', { p99Ms: 250, perOperationP99Ms: 250, maxErrorRate: 0.01 });

function summaryOf(r: { code: number; stdout: string; stderr: string }): Summary {
  assert.ok(r.stdout.trim().startsWith('{'), `no summary on stdout (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as Summary;
}

/** `run --json` against a target file: the summary from stdout. */
async function runOn(file: string, env: NodeJS.ProcessEnv, duration: string): Promise<{ code: number; s: Summary; stderr: string }> {
  const r = await runCli(['run', '--scenario', scenario, '--duration', duration, '--target', file, '--out', reports, '--json'], { env });
  return { code: r.code, s: summaryOf(r), stderr: r.stderr };
}

interface AuditJson {
  pass: boolean;
  findings: Array<{ id: string; severity: string; where: string }>;
  checked: string[];
  notChecked: string[];
}

describe('external targets through sentinels', { timeout: 300_000 }, () => {
  const topology = useDetachedTopology();

  test('an app user with only the session commands (no INFO) runs a smoke load; memory and server figures come from the audit user, or say why not', async () => {
    const t = topology();
    // The reference app user's rules without +info, on every node; the sentinels keep `app`.
    const appLine = readFileSync(join(repoRoot, 'compose', 'users.acl.tmpl'), 'utf8').split('\n').find((l) => l.startsWith('user app '))!;
    const rules = appLine.split(/\s+/).slice(2).filter((r) => r !== '+info' && !r.startsWith('>'));
    const password = randomBytes(16).toString('hex');
    for (const n of t.nodes) await n.control().call('ACL', 'SETUSER', 'app-noinfo', ...rules, `>${password}`);
    const master = (await t.currentMaster())!;
    const probe = directClient(master.controlPort, { username: 'app-noinfo', password }, 'test-probe');
    await probe.connect();
    await assert.rejects(probe.info('server'), /NOPERM/, 'the user really lacks INFO');
    probe.disconnect();

    const { file: appFile, env } = externalTargetFile(t);
    const noInfo = { username: 'app-noinfo', passwordEnv: 'TARGET_TEST_NOINFO_PASSWORD', sentinelUsername: 'app' };
    const { file } = externalTargetFile(t, { ...noInfo, audit: undefined });
    const withAudit = externalTargetFile(t, noInfo).file;
    const envAll = { ...env, TARGET_TEST_NOINFO_PASSWORD: password };

    // The preflight finds out either way and says so on the target.
    Object.assign(process.env, envAll);
    const app = externalTarget(await readExternalTargetFile(appFile), false);
    const least = externalTarget(await readExternalTargetFile(file), false);
    assert.match((await checkTargetReachable(app)) ?? '', /^7\./, 'version from HELLO');
    assert.equal(app.infoAllowed, true);
    assert.match((await checkTargetReachable(least)) ?? '', /^7\./);
    assert.equal(least.infoAllowed, false);

    const bare = await runOn(file, envAll, '5s');
    assertPassedOrStarved(bare.code, bare.s, bare.stderr);
    assert.ok(bare.s.ledger && bare.s.ledger.keysChecked > 0 && bare.s.ledger.lost === 0, JSON.stringify(bare.s.ledger));
    assert.equal(bare.s.memory.bytesPerSession, null);
    assert.match(bare.s.memory.notMeasured ?? '', /app user app-noinfo may not run INFO and target file .* names no audit user/);
    assert.equal(bare.s.attribution?.server.measured, false);
    assert.match(bare.s.attribution?.server.why ?? '', /may not run INFO/);
    assert.doesNotMatch(bare.stderr, /ready check/i, 'no client sent INFO for a ready check');
    assert.match(bare.stderr, /report: .*summary\.json/, 'with --json the report line goes to stderr');

    const audited = await runOn(withAudit, envAll, '5s');
    assertPassedOrStarved(audited.code, audited.s, audited.stderr);
    assert.ok(audited.s.memory.bytesPerSession !== null, 'memory read as the audit user');
    assert.equal(audited.s.memory.notMeasured, null);
    assert.equal(audited.s.attribution?.server.measured, true, audited.s.attribution?.server.why ?? '');
    for (const n of t.nodes) await n.control().call('ACL', 'DELUSER', 'app-noinfo');
  });

  test('audit reports sentinels without authentication as a critical finding (not an error), and sends them credentials only when the file names them', async () => {
    const t = topology();
    const { file, env } = externalTargetFile(t, { sentinelPasswordEnv: undefined });
    for (const s of t.sentinels) await s.control().call('ACL', 'SETUSER', 'default', 'on', 'nopass', '+@all', '~*', '&*');
    let open: { code: number; a: AuditJson };
    try {
      const r = await runCli(['audit', '--target', file, '--json'], { env });
      open = { code: r.code, a: JSON.parse(r.stdout) as AuditJson };
    } finally {
      for (const s of t.sentinels) await s.control().call('ACL', 'SETUSER', 'default', 'off', 'resetpass', 'resetkeys', 'resetchannels', '-@all');
    }
    assert.equal(open.code, 1, JSON.stringify(open.a));
    const onSentinels = open.a.findings.filter((f) => f.id === 'unauthenticated-access' && f.where.startsWith('sentinel '));
    assert.equal(onSentinels.length, 3, JSON.stringify(open.a.findings));
    assert.ok(onSentinels.every((f) => f.severity === 'critical'));
    assert.ok(open.a.checked.some((c) => c.includes('(3 nodes)')), `nodes found through the open sentinels: ${open.a.checked.join('; ')}`);

    // Sentinels with auth again, the file still names no sentinel password: nothing is sent, the
    // probes that need the sentinels are listed as not checked, and the audit still reports.
    const closed = await runCli(['audit', '--target', file, '--json'], { env });
    assert.equal(closed.code, 0, closed.stdout + closed.stderr);
    const a = JSON.parse(closed.stdout) as AuditJson;
    assert.deepEqual(a.findings.filter((f) => f.where.startsWith('sentinel ')), []);
    assert.ok(a.notChecked.some((n) => /cannot find the nodes through the sentinels .*NOAUTH.*asked without credentials/.test(n)), a.notChecked.join('\n'));
    assert.ok(a.notChecked.some((n) => /sentinel timings on sentinel 0/.test(n)), a.notChecked.join('\n'));
  });
});

interface Standalone {
  port: number;
  pid: number;
  control: Redis;
}

describe('a plain-endpoint target: a standalone redis-server started here', { timeout: 300_000 }, () => {
  const credentials: Credentials = generateCredentials();
  const servers: Standalone[] = [];
  const env = { ENDPOINT_APP_PASSWORD: credentials.app.password, ENDPOINT_MONITORING_PASSWORD: credentials.monitoring.password };
  let file = '';

  /** A node of the reference configuration (compose/ templates), started by the project's own launcher code. */
  async function startNode(name: string): Promise<Standalone> {
    const dir = join(work, name);
    mkdirSync(dir);
    const port = await freePort();
    const aclFile = join(dir, 'users.acl');
    const logFile = join(dir, 'redis.log');
    writeFileSync(aclFile, await renderAclFile(credentials));
    const conf = join(dir, 'redis.conf');
    writeFileSync(conf, await renderNodeConfig({ bind: '127.0.0.1', port, dataDir: dir, logFile, announce: { host: '127.0.0.1', port }, aclFile, maxmemory: '256mb', minReplicasToWrite: 0, minReplicasMaxLagS: 10 }, credentials, null));
    let pid = 0;
    await startRedisLike({ what: `redis-server ${name}`, binary: (await findBinaries()).redisServer, args: [conf], cwd: dir, logFile, port, auth: credentials.admin, onSpawn: async (p) => void (pid = p) });
    const control = directClient(port, credentials.admin, 'test-control');
    await control.connect();
    const s = { port, pid, control };
    servers.push(s);
    return s;
  }

  before(async () => {
    const primary = await startNode('primary');
    const replica = await startNode('replica');
    await replica.control.call('REPLICAOF', '127.0.0.1', String(primary.port));
    await eventually('the replica in sync', async () => parseInfo(await replica.control.info('replication')).get('master_link_status') === 'up', 30_000);
    file = join(work, 'endpoint.json');
    writeFileSync(file, JSON.stringify({ endpoint: { host: '127.0.0.1', port: primary.port }, username: 'app', passwordEnv: 'ENDPOINT_APP_PASSWORD', audit: { username: 'monitoring', passwordEnv: 'ENDPOINT_MONITORING_PASSWORD' } }));
  });
  after(async () => {
    for (const s of servers) {
      s.control.disconnect();
      await stopProcess(s.pid);
    }
  });

  test('a smoke load through the endpoint passes: ledger verified, memory read as the audit user, no failover when none happened', async () => {
    const { code, s, stderr } = await runOn(file, env, '5s');
    assertPassedOrStarved(code, s, stderr);
    assert.equal(s.target.endpoint, `127.0.0.1:${servers[0]!.port}`);
    assert.deepEqual(s.target.sentinels, []);
    assert.match(s.target.redisVersion ?? '', /^7\./);
    assert.ok(s.ledger && s.ledger.keysChecked > 0 && s.ledger.lost === 0, JSON.stringify(s.ledger));
    assert.ok(s.memory.bytesPerSession !== null);
    assert.equal(s.failover, null, 'no failover seen when none happened');
  });

  test('audit of the endpoint: probes the endpoint itself and reads its settings as the audit user; where CONFIG is refused it judges what INFO shows', async () => {
    const r = await runCli(['audit', '--target', file, '--json'], { env });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const a = JSON.parse(r.stdout) as AuditJson;
    assert.deepEqual(a.findings.filter((f) => f.severity !== 'low'), []);
    for (const c of ['unauthenticated access refused', 'app user confined', '(1 nodes)']) assert.ok(a.checked.some((x) => x.includes(c)), `${c} not in ${a.checked.join('; ')}`);
    assert.ok(a.notChecked.some((n) => n.startsWith('sentinel timings and quorum (a plain endpoint')));

    // A managed-service-like audit user: INFO, no CONFIG; and a planted problem INFO shows.
    const primary = servers[0]!;
    const infoPassword = randomBytes(16).toString('hex');
    await primary.control.call('ACL', 'SETUSER', 'info-only', 'on', `>${infoPassword}`, '-@all', '+info', '+ping', '+hello', '+auth', '+client|setname');
    await primary.control.config('SET', 'appendonly', 'no');
    try {
      const infoFile = join(work, 'endpoint-info-only.json');
      writeFileSync(infoFile, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), audit: { username: 'info-only', passwordEnv: 'ENDPOINT_INFO_PASSWORD' } }));
      const p = await runCli(['audit', '--target', infoFile, '--json'], { env: { ...env, ENDPOINT_INFO_PASSWORD: infoPassword } });
      assert.equal(p.code, 1, p.stdout + p.stderr);
      const planted = JSON.parse(p.stdout) as AuditJson;
      assert.deepEqual(planted.findings.map((f) => f.id), ['aof-off'], 'found from INFO; what INFO does not show is not taken as unset');
      assert.ok(planted.notChecked.some((n) => /CONFIG GET refused .*read from INFO/.test(n)), planted.notChecked.join('\n'));
    } finally {
      await primary.control.config('SET', 'appendonly', 'yes');
      await primary.control.call('ACL', 'DELUSER', 'info-only');
    }
  });

  test("a replica promoted behind gauntlet's back is observed as a failover outside gauntlet; afterwards the endpoint leads to a replica and is refused", async () => {
    const [primary, replica] = servers as [Standalone, Standalone];
    const running = runCli(['run', '--scenario', scenario, '--duration', '12s', '--target', file, '--out', reports, '--json'], { env });
    // Once the watch polls the endpoint, the load runs: promote the replica and demote the primary, as a provider's failover would.
    await eventually('the endpoint watch connected', async () => String(await primary.control.call('CLIENT', 'LIST')).includes('name=gauntlet-endpoint-watch'), 60_000);
    await sleep(2000);
    await replica.control.call('REPLICAOF', 'NO', 'ONE');
    await primary.control.call('REPLICAOF', '127.0.0.1', String(replica.port));
    const r = await running;
    const s = summaryOf(r);
    assert.ok(s.failover, `no failover section (exit ${r.code}): ${s.verdictReason}`);
    assert.ok(s.failover.count >= 1, JSON.stringify(s.failover.switches));
    const first = s.failover.switches?.[0];
    assert.equal(first?.cause, null, 'nobody in gauntlet caused it');
    assert.match(first?.to ?? '', new RegExp(`a replica of 127\\.0\\.0\\.1:${replica.port}`));
    assert.ok(s.failover.sentinelEvents.some((e) => e.event === 'endpoint-role'), JSON.stringify(s.failover.sentinelEvents));
    assert.ok(s.thresholds.some((g) => g.name.startsWith('failover outside gauntlet')), 'judged as a failover outside gauntlet');

    const refused = await runCli(['run', '--scenario', scenario, '--target', file, '--quiet'], { env });
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, new RegExp(`endpoint 127\\.0\\.0\\.1:${primary.port} leads to a replica, not a primary`));
  });
});
