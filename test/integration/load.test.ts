import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isolatedHome, reportedSummary, runCli, smokeScenarioFile, scratchDir, starvedOnly } from './support.js';
import { StartedTopology } from '../../src/topology/startedTopology.js';
import { listTopologies } from '../../src/topology/staleTopologies.js';
import { parseScenario, type ScenarioInput } from '../../src/load/scenario.js';
import { runLoad } from '../../src/load/loadEngine.js';
import { percentilesMs } from '../../src/load/latencyRecorder.js';
import { topologyTarget } from '../../src/target/resolveTarget.js';
import type { OperationObserver } from '../../src/load/operationEvent.js';
import type { Summary } from '../../src/report/summarySchema.js';
import { Ajv2020 } from 'ajv/dist/2020.js';

const publishedSchema = JSON.parse(readFileSync(new URL('../../docs/summary.schema.json', import.meta.url), 'utf8')) as object;
const validateSummary = new Ajv2020({ allErrors: true, strict: false }).compile(publishedSchema);

isolatedHome();
const work = scratchDir('gauntlet-load-');
const reports = join(work, 'reports');

const readSummary = (stdout: string): Summary => reportedSummary({ stdout, stderr: '' }).s;

function scenarioFile(name: string, body: ScenarioInput | string): string {
  const file = join(work, `${name}.ts`);
  writeFileSync(file, typeof body === 'string' ? body : `export default ${JSON.stringify(body, null, 2)};\n`);
  return file;
}

const tiny: ScenarioInput = {
  name: 'tiny',
  description: 'test',
  stages: [
    { name: 'ramp-up', duration: '1s', sessions: 50 },
    { name: 'steady', duration: '4s', sessions: 50 },
  ],
  session: {
    thinkTime: { distribution: 'exponential', meanMs: 200 },
    mix: { request: 80, refresh: 10, oauth: 10, revokeAll: 0 },
    meanLifetime: '1m',
    ttl: { session: '5m', refreshToken: '5m', oauthState: '1m' },
  },
  clients: { instances: 2, autoPipelining: true, commandTimeoutMs: 2000 },
  // The budget sits far above what a healthy run shows even on a busy shared 2-core CI machine,
  // and the planted fault far above the budget, so the gate's verdict does not depend on noise.
  thresholds: { p99Ms: 50, perOperationP99Ms: 50, maxErrorRate: 0.001 },
};

describe('gauntlet run', { timeout: 600_000 }, () => {
  let topology: StartedTopology;

  before(async () => {
    const up = await runCli(['up', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    const [t] = await listTopologies();
    topology = await StartedTopology.fromState(t!.state!);
  });
  after(async () => {
    await topology?.resetProxies().catch(() => undefined);
    topology?.closeControlConnections();
    await runCli(['down']);
  });

  test('a smoke run passes with plausible figures and writes summary.json', async () => {
    // The shipped smoke scenario with the noise-proof budget of `tiny` (see there).
    const smoke = smokeScenarioFile(work, 'smoke-ci', tiny.thresholds);
    const once = async () => {
      const r = await runCli(['run', '--scenario', smoke, '--target', 'detached', '--out', reports, '--quiet']);
      return { r, s: readSummary(r.stdout) };
    };
    let { r, s } = await once();
    // `invalid` means "rerun": a run the machine starved (a slow, shared host of the kind: lag p99
    // 5.7 and 6.4 ms against the 5 ms limit on 2026-12-02) is rerun once, as a user would, and the
    // rerun must pass.
    if (starvedOnly(r.code, s)) {
      console.log(`  (rerun: the first run was invalid on a busy box: ${s.verdictReason})`);
      ({ r, s } = await once());
    }
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(s.verdict, 'pass');
    assert.ok(validateSummary(s), JSON.stringify(validateSummary.errors));
    assert.ok(s.sessions.peakConcurrent >= 190 && s.sessions.peakConcurrent <= 220, `peak ${s.sessions.peakConcurrent}`);
    // 200 sessions / 2 s mean think time = ~100 ops/s for 7 s (the test smoke), plus the ramp's logins.
    assert.ok(s.ops.total > 500 && s.ops.total < 1500, `ops ${s.ops.total}`);
    assert.equal(s.ops.errors, 0);
    for (const op of ['login', 'request', 'refresh', 'oauthBegin', 'oauthComplete']) assert.ok(s.latencyMs.byOp[op]!.count > 0, op);
    const o = s.latencyMs.overall;
    assert.ok(o.p50 > 0 && o.p50 <= o.p90 && o.p90 <= o.p99 && o.p99 <= o.p999 && o.p999 <= o.max);
    assert.ok(s.timeseries.length >= 6, `${s.timeseries.length} seconds`);
    assert.ok(s.memory.bytesPerSession !== null && s.memory.bytesPerSession > 100 && s.memory.bytesPerSession < 20_000, `bytes/session ${s.memory.bytesPerSession}`);
    assert.equal(s.generator.saturated, false);
  });

  test('a latency toxic above the budget on the master app proxy fails the p99 gate with exit 1', async () => {
    const master = await topology.currentMaster();
    assert.ok(master);
    const proxy = await topology.proxy(master.appProxyName);
    await proxy.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 80, jitter: 0 } });
    try {
      // A toxic added by hand: app traffic must cross the proxies (without an experiment it goes direct).
      const r = await runCli(['run', '--scenario', scenarioFile('tiny', tiny), '--target', 'detached', '--data-path', 'proxied', '--out', reports, '--quiet']);
      const s = readSummary(r.stdout);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(s.attribution?.dataPath, 'proxied');
      assert.equal(s.attribution?.cause?.who, 'proxy', JSON.stringify(s.attribution?.cause));
      assert.equal(s.verdict, 'fail');
      assert.ok(s.latencyMs.overall.p50 >= 80, `p50 ${s.latencyMs.overall.p50} should include the 80 ms toxic`);
      assert.equal(s.thresholds.find((t) => t.name === 'p99 latency, all operations')?.pass, false);
    } finally {
      await topology.resetProxies();
    }
    // Control: the same scenario without the toxic passes the gate. A control the machine starved
    // (CI once: lag p99 5.887 ms against the 5 ms limit, every other gate passed) is rerun once.
    const control = (): Promise<{ code: number; stdout: string }> => runCli(['run', '--scenario', scenarioFile('tiny', tiny), '--target', 'detached', '--out', reports, '--quiet']);
    let clean = await control();
    if (starvedOnly(clean.code, readSummary(clean.stdout))) {
      console.log(`  (rerun: the control was invalid on a busy box: ${readSummary(clean.stdout).verdictReason})`);
      clean = await control();
    }
    assert.equal(clean.code, 0, clean.stdout);
  });

  test('coordinated omission: a stall of known length shows in the upper percentiles as rate and length imply', async () => {
    // 50 sessions with a constant 50 ms think time: 1,000 ops/s on a fixed schedule.
    const sessions = 50;
    const thinkMs = 50;
    const stallMs = 1000;
    const scenario = parseScenario(
      {
        ...tiny,
        name: 'co',
        stages: [
          { name: 'ramp-up', duration: '1s', sessions },
          { name: 'steady', duration: '10s', sessions },
        ],
        session: { ...tiny.session, thinkTime: { distribution: 'constant', ms: thinkMs }, mix: { request: 1, refresh: 0, oauth: 0, revokeAll: 0 }, meanLifetime: '1h' },
        clients: { instances: 1, autoPipelining: true, commandTimeoutMs: 10_000 },
      },
      'co test',
    );
    const master = await topology.currentMaster();
    assert.ok(master);
    const target = topologyTarget('detached', topology);
    const result = await runLoad({
      scenario,
      target,
      onClockStart: () => {
        setTimeout(async () => {
          master.signal('SIGSTOP');
          await sleep(stallMs);
          master.signal('SIGCONT');
        }, 5000);
      },
    });
    const latency = percentilesMs(result.recorder.overall.latency);
    const service = percentilesMs(result.recorder.overall.service);
    // Ops intended during the stall wait until it ends: their latencies spread evenly over
    // [0, stall]. With rate R and n ops in all, the top 1 % are the n/100 ops intended first in
    // the stall, so p99 = stall - (n/100)/R; likewise p99.9.
    const rate = sessions / thinkMs; // ops per ms
    const n = latency.count;
    const expectedP99 = stallMs - (0.01 * n) / rate;
    const expectedP999 = stallMs - (0.001 * n) / rate;
    assert.ok(expectedP99 > 500, `test design: expected p99 ${expectedP99}`);
    assert.ok(Math.abs(latency.p99 - expectedP99) < 0.15 * stallMs, `p99 ${latency.p99} ms, expected ~${expectedP99.toFixed(0)} ms`);
    assert.ok(Math.abs(latency.p999 - expectedP999) < 0.15 * stallMs, `p99.9 ${latency.p999} ms, expected ~${expectedP999.toFixed(0)} ms`);
    assert.ok(latency.max >= stallMs * 0.9 && latency.max < stallMs * 1.5, `max ${latency.max}`);
    // Measured from the actual send, as closed-loop tools do, the stall nearly disappears.
    assert.ok(service.p99 < expectedP99 / 4, `service-time p99 ${service.p99} ms would hide the stall`);
  });

  test('the schedule, not the wake-up, decides what a run offers: a generator held across the end offers the same operations', async () => {
    // Short lifetimes: about 25 logouts a second, so the held last second holds about 25 logouts
    // whose successors' logins are intended before the end. Nothing the app decides from a reply
    // (an OAuth callback follows the begin's reply; a replayed token, a revoke-all end the
    // session): held replies would change those, the schedule alone decides the rest.
    const scenario = parseScenario({ ...tiny, name: 'wake-up', session: { ...tiny.session, meanLifetime: '2s', mix: { request: 90, refresh: 10, oauth: 0, revokeAll: 0 }, tokenReuseRate: 0 } }, 'wake-up test');
    const endMs = 5000;
    const target = topologyTarget('detached', topology);
    const offered = (r: Awaited<ReturnType<typeof runLoad>>) => ({
      intended: r.intendedOps,
      byOp: Object.fromEntries([...r.recorder.byOp()].map(([name, h]) => [name, h.latency.totalCount])),
    });
    const onTime = await runLoad({ scenario, target, seed: 11 });
    let held = false;
    const holdAcrossTheEnd: OperationObserver = {
      onOperation(e) {
        if (held || e.intendedMs < endMs - 1000) return;
        held = true;
        const from = performance.now();
        while (performance.now() - from < 1300) {
          // the generator's main thread, busy from a second before the end until past it
        }
      },
    };
    const late = await runLoad({ scenario, target, seed: 11, observers: [holdAcrossTheEnd] });
    assert.ok(held, 'the hold was planted');
    assert.ok(offered(onTime).byOp.logout! > 50, JSON.stringify(offered(onTime)));
    assert.deepEqual(offered(late), offered(onTime));
  });

  test('a load far beyond what the generator can offer is reported invalid (exit 2)', async () => {
    const flood = scenarioFile('flood', {
      ...tiny,
      name: 'flood',
      stages: [
        { name: 'ramp-up', duration: '1s', sessions: 5000 },
        { name: 'steady', duration: '4s', sessions: 5000 },
      ],
      // 5,000 sessions acting every millisecond: 5 million operations per second offered.
      session: { ...tiny.session, thinkTime: { distribution: 'constant', ms: 1 } },
      clients: { instances: 2, autoPipelining: true, commandTimeoutMs: 5000 },
    });
    const r = await runCli(['run', '--scenario', flood, '--target', 'detached', '--out', reports, '--quiet']);
    const s = readSummary(r.stdout);
    assert.equal(r.code, 2, r.stdout);
    assert.equal(s.verdict, 'invalid');
    assert.equal(s.generator.saturated, true);
    assert.match(s.verdictReason, /scheduler lag/);
  });
});

describe('bad input and misconfigured targets get one clear line', { timeout: 180_000 }, () => {
  test('a broken scenario file names the file, the field and what was expected', async () => {
    const broken = scenarioFile('broken', { ...tiny, session: { ...tiny.session, thinkTime: { distribution: 'exponential' } } } as unknown as ScenarioInput);
    const r = await runCli(['run', '--scenario', broken]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`scenario file ${broken.replace(/[.]/g, '\\.')}: session\\.thinkTime\\.meanMs: .*expected number`));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  test('a scenario with a bad duration says what a duration looks like', async () => {
    const broken = scenarioFile('badduration', { ...tiny, stages: [{ name: 'x', duration: 'forever', sessions: 1 }] });
    const r = await runCli(['run', '--scenario', broken]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /stages\[0\]\.duration: expected a duration such as "30s"/);
  });

  test('an unknown scenario name lists the shipped ones', async () => {
    const r = await runCli(['run', '--scenario', 'nope']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /unknown scenario "nope".*login-storm, smoke, soak, steady-50k/);
  });

  test('wrong password, wrong master name and an unreachable target each say which (exit 4)', async () => {
    const up = await runCli(['up', '--detach']);
    assert.equal(up.code, 0, up.stderr);
    const st = JSON.parse((await runCli(['status', '--json'])).stdout) as Array<{ sentinels: Array<{ appProxy: string }>; masterName: string; credentialsFile: string }>;
    const t = st[0]!;
    const creds = JSON.parse(readFileSync(t.credentialsFile, 'utf8')) as { app: { password: string } };
    const sentinels = t.sentinels.map((s) => ({ host: '127.0.0.1', port: Number(s.appProxy.split(':')[1]) }));
    const file = (name: string, body: object): string => {
      const f = join(work, `${name}.json`);
      writeFileSync(f, JSON.stringify(body));
      return f;
    };
    try {
      const base = { sentinels, masterName: t.masterName, username: 'app', passwordEnv: 'TEST_APP_PASSWORD', sentinelPasswordEnv: 'TEST_APP_PASSWORD' };
      const wrongPass = await runCli(['run', '--scenario', 'smoke', '--target', file('wrongpass', base)], { env: { TEST_APP_PASSWORD: 'not-the-password' } });
      assert.equal(wrongPass.code, 4, wrongPass.stderr);
      assert.match(wrongPass.stderr, /refused the credentials \(wrong user name or password\)/);

      const wrongMaster = await runCli(['run', '--scenario', 'smoke', '--target', file('wrongmaster', { ...base, masterName: 'nosuchmaster' })], { env: { TEST_APP_PASSWORD: creds.app.password } });
      assert.equal(wrongMaster.code, 4, wrongMaster.stderr);
      assert.match(wrongMaster.stderr, /no sentinel knows a master named "nosuchmaster"/);

      const unreachable = await runCli(['run', '--scenario', 'smoke', '--target', file('closed', { ...base, sentinels: [{ host: '127.0.0.1', port: 1 }] })], { env: { TEST_APP_PASSWORD: creds.app.password } });
      assert.equal(unreachable.code, 4, unreachable.stderr);
      assert.match(unreachable.stderr, /target unreachable/);

      const noEnv = await runCli(['run', '--scenario', 'smoke', '--target', file('noenv', base)], { env: { TEST_APP_PASSWORD: '' } });
      assert.equal(noEnv.code, 3, noEnv.stderr);
      assert.match(noEnv.stderr, /passwordEnv names environment variable TEST_APP_PASSWORD, which is not set/);
      for (const r of [wrongPass, wrongMaster, unreachable, noEnv]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await runCli(['down']);
    }
  });
});
