import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually, isolatedHome, isPidAlive, repoRoot, runCli, scratchDir } from './support.js';
import { EmbeddedTopology } from '../../src/topology/embeddedTopology.js';
import type { StartedTopology } from '../../src/topology/startedTopology.js';
import { listTopologies } from '../../src/topology/staleTopologies.js';
import { fieldsOf } from '../../src/topology/replicationInfo.js';
import { oauthStateKey, refreshTokenKey, sessionKey, userSessionsKey } from '../../src/load/session/sessionKeys.js';

isolatedHome();

function appClient(t: StartedTopology, extra: Record<string, unknown> = {}): Redis {
  const c = new Redis(t.clientOptions({ maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 1500, retryStrategy: () => 200, ...extra }));
  c.on('error', () => undefined);
  return c;
}

describe('embedded topology', { timeout: 240_000 }, () => {
  let topology: StartedTopology;

  before(async () => {
    topology = await new EmbeddedTopology().withDownAfterMs(2000).start();
  });
  after(async () => {
    await topology?.stop();
  });

  test('comes up healthy: one master, both replicas online, every sentinel passes CKQUORUM', async () => {
    const h = await topology.health();
    assert.equal(h.healthy, true, h.problems.join('; '));
    assert.equal(h.replicasOnline, 2);
    assert.equal(h.sentinels.length, 3);
    const roles = (await topology.nodeStatuses()).map((n) => n.role).sort();
    assert.deepEqual(roles, ['master', 'replica', 'replica']);
  });

  test('nodes announce their peer proxy, so replication and sentinels go through toxiproxy', async () => {
    const master = await topology.currentMaster();
    assert.ok(master);
    const info = await master.control().info('replication');
    const peerPorts = topology.nodes.filter((n) => n !== master).map((n) => n.record.peerProxy.split(':')[1]);
    for (const port of peerPorts) assert.match(info, new RegExp(`port=${port},state=online`));
    const replicas = (await topology.sentinels[0]!.control().call('SENTINEL', 'REPLICAS', topology.masterName)) as string[][];
    const ports = replicas.map((r) => r[r.indexOf('port') + 1]).sort();
    assert.deepEqual(ports, [...peerPorts].sort());
  });

  test('the app user runs session commands but is refused dangerous commands and foreign keys', async () => {
    const app = appClient(topology);
    try {
      await app.hset(sessionKey('u1', 's1'), 'uid', 'u1', 'v', '1');
      await app.expire(sessionKey('u1', 's1'), 60);
      assert.deepEqual(await app.multi().set(refreshTokenKey('u1', 'h1'), 's1', 'EX', 60).sadd(userSessionsKey('u1'), 's1').exec(), [[null, 'OK'], [null, 1]]);
      await app.set(oauthStateKey('n1'), 'x', 'EX', 60);
      assert.equal(await app.getdel(oauthStateKey('n1')), 'x');
      assert.equal(await app.eval("return redis.call('GET', KEYS[1])", 1, refreshTokenKey('u1', 'h1')), 's1');
      for (const [what, run] of [
        ['FLUSHALL', () => app.flushall()],
        ['CONFIG', () => app.config('GET', 'maxmemory')],
        ['KEYS', () => app.keys('*')],
        ['DEBUG', () => app.call('DEBUG', 'SLEEP', '0')],
        ['foreign key', () => app.set('other:1', 'x')],
        ['foreign key in a script', () => app.eval("return redis.call('SET', KEYS[1], 'x')", 1, 'other:2')],
      ] as const) {
        await assert.rejects(run(), /NOPERM/, what);
      }
    } finally {
      app.disconnect();
    }
  });

  test('the default user cannot authenticate, on nodes and on sentinels', async () => {
    for (const port of [topology.nodes[0]!.controlPort, topology.sentinels[0]!.controlPort]) {
      const anon = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false, protocol: 2 });
      anon.on('error', () => undefined);
      await anon.connect();
      await assert.rejects(anon.ping(), /NOAUTH/);
      await assert.rejects(anon.call('AUTH', 'default', 'anything'), /WRONGPASS|invalid username-password/);
      anon.disconnect();
    }
  });

  test("disabling a node's app proxy makes app clients fail while control connections still work", async () => {
    const master = await topology.currentMaster();
    assert.ok(master);
    const app = appClient(topology);
    try {
      assert.equal(await app.set(sessionKey('u2', 's'), '1'), 'OK');
      await topology.setProxyEnabled(master.appProxyName, false);
      await assert.rejects(app.set(sessionKey('u2', 's'), '2'));
      assert.equal(await master.control().ping(), 'PONG');
      assert.equal(await master.control().get(sessionKey('u2', 's')), '1');
    } finally {
      await topology.resetProxies();
      app.disconnect();
    }
    const after = appClient(topology);
    assert.equal(await eventually('app client back', async () => (await after.set(sessionKey('u2', 's'), '3')) === 'OK', 10_000), true);
    after.disconnect();
  });

  test("disabling the master's peer proxy makes the sentinels promote a replica; reset restores health", async () => {
    const old = await topology.currentMaster();
    assert.ok(old);
    const servers = [...topology.nodes, ...topology.sentinels];
    await Promise.all(servers.map((s) => s.control().call('ACL', 'LOG', 'RESET')));
    await topology.setProxyEnabled(old.peerProxyName, false);
    const promoted = await eventually('a new master', async () => {
      const m = await topology.currentMaster();
      return m && m.name !== old.name ? m : undefined;
    }, 30_000);
    assert.equal(await promoted.role(), 'master');
    // Clients still reach the old master through its app proxy: the split-brain setting.
    assert.equal(await old.role(), 'master');
    await topology.resetProxies();
    await eventually('old master converted to a replica', async () => (await old.role()) === 'replica', 30_000);
    const h = await topology.waitHealthy(30_000);
    assert.equal(h.healthy, true, h.problems.join('; '));
    assert.equal(h.master, promoted.name);
    // The reduced sentinel and sentinel-peer users (compose/) carried a whole failover: no server
    // refused anything the sentinels or replicas sent.
    const refusedToServers = async (): Promise<string[]> =>
      (await Promise.all(servers.map(async (s) => ((await s.control().call('ACL', 'LOG')) as unknown[]).map((e) => fieldsOf(e)).filter((e) => e.get('username') !== 'admin').map((e) => `${s.name}: ${e.get('username')} ${e.get('reason')} ${e.get('object')}`)))).flat();
    assert.deepEqual(await refusedToServers(), []);
    // Control: what the sentinel user may no longer do is refused, and the log shows it.
    const asSentinel = new Redis({ port: promoted.controlPort, username: 'sentinel', password: topology.credentials.sentinel.password, maxRetriesPerRequest: 0 });
    try {
      await assert.rejects(asSentinel.config('SET', 'appendonly', 'no'), /NOPERM/);
    } finally {
      asSentinel.disconnect();
    }
    assert.deepEqual(await refusedToServers(), [`${promoted.name}: sentinel command config|set`]);
  });
});

describe('lifecycle from the CLI', { timeout: 240_000 }, () => {
  test('`up --detach`, `status --json`, `down` leaves none of its pids alive', async () => {
    const upResult = await runCli(['up', '--detach']);
    assert.equal(upResult.code, 0, upResult.stderr);
    const st = await runCli(['status', '--json']);
    const [status] = JSON.parse(st.stdout) as Array<{ healthy: boolean; nodes: Array<{ pid: number; role: string }>; sentinels: Array<{ pid: number }>; credentialsFile: string; toxiproxyApi: string }>;
    assert.ok(status);
    assert.equal(status.healthy, true);
    assert.match(status.credentialsFile, /credentials\.json$/);
    const pids = [...status.nodes.map((n) => n.pid), ...status.sentinels.map((s) => s.pid)];
    assert.equal(pids.length, 6);
    assert.ok(pids.every(isPidAlive));
    const downResult = await runCli(['down']);
    assert.equal(downResult.code, 0, downResult.stderr);
    assert.deepEqual(pids.filter(isPidAlive), []);
    assert.deepEqual(await listTopologies(), []);
  });

  test('a SIGKILLed harness leaves nothing running (watchdog), and `down` finds nothing left', async () => {
    const script = join(repoRoot, 'scratch-killed-harness.mts');
    writeFileSync(script, `import { EmbeddedTopology } from './src/topology/embeddedTopology.ts';\nconst t = await new EmbeddedTopology().start();\nconsole.log(JSON.stringify(t.snapshot.processes.map(p => p.pid)));\nsetInterval(() => {}, 1000);\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const pids = await eventually('harness started topology', async () => (out.includes(']') ? (JSON.parse(out) as number[]) : undefined), 60_000);
      assert.ok(pids.length >= 7 && pids.every(isPidAlive));
      child.kill('SIGKILL');
      await eventually('watchdog stopped every process', async () => pids.every((p) => !isPidAlive(p)), 20_000);
      assert.deepEqual(await listTopologies(), []);
    } finally {
      child.kill('SIGKILL');
      (await import('node:fs')).rmSync(script, { force: true });
    }
  });
});

describe('stale topologies', { timeout: 120_000 }, () => {
  test('when harness and watchdog are both SIGKILLed, the next `down` finds the topology and stops it', async () => {
    const script = join(repoRoot, 'scratch-killed-both.mts');
    writeFileSync(script, `import { EmbeddedTopology } from './src/topology/embeddedTopology.ts';\nconst t = await new EmbeddedTopology().start();\nconsole.log(JSON.stringify(t.snapshot.processes));\nsetInterval(() => {}, 1000);\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const procs = await eventually('harness started topology', async () => (out.includes(']') ? (JSON.parse(out) as Array<{ kind: string; pid: number }>) : undefined), 60_000);
      const watchdog = procs.find((p) => p.kind === 'watchdog');
      assert.ok(watchdog);
      process.kill(watchdog.pid, 'SIGKILL');
      child.kill('SIGKILL');
      await eventually('harness gone', async () => !isPidAlive(child.pid!), 5000);
      const servers = procs.filter((p) => p.kind !== 'watchdog').map((p) => p.pid);
      assert.ok(servers.every(isPidAlive), 'servers still run: nobody cleaned up yet');
      const r = await runCli(['down']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /cleaned up after a killed run \(7 processes\)/);
      assert.deepEqual(servers.filter(isPidAlive), []);
    } finally {
      child.kill('SIGKILL');
      (await import('node:fs')).rmSync(script, { force: true });
    }
  });

  test('`up` in the foreground stops everything on SIGINT', async () => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'gauntlet.js'), 'up'], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    await eventually('topology up', async () => out.includes('Ctrl-C stops it'), 60_000);
    const [t] = await listTopologies();
    assert.ok(t?.state);
    const pids = t.state.processes.map((p) => p.pid);
    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(out, /stopped/);
    assert.deepEqual(pids.filter(isPidAlive), []);
    assert.deepEqual(await listTopologies(), []);
  });
});

describe('bad input gets one clear line', { timeout: 60_000 }, () => {
  test('an unknown flag prints usage and exits 3', async () => {
    const r = await runCli(['up', '--no-such-flag']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unknown option '--no-such-flag'/);
  });

  test('a missing binary names the set-up command', async () => {
    const r = await runCli(['up'], { env: { GAUNTLET_REDIS_SERVER: '/nonexistent/redis-server' } });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /redis-server not found.*npm run setup/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  test('Redis older than 7.0 is refused', async () => {
    const dir = scratchDir('old-redis-');
    const fake = join(dir, 'redis-server');
    // Only the version banner is faked; gauntlet must refuse before starting anything.
    writeFileSync(fake, '#!/bin/sh\necho "Redis server v=6.2.14 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64"\n');
    chmodSync(fake, 0o755);
    const r = await runCli(['up'], { env: { GAUNTLET_REDIS_SERVER: fake } });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /Redis 6\.2\.14; gauntlet needs Redis 7\.0 or newer/);
  });
});
