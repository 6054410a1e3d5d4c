import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosRun, experimentFile, gate, isolatedHome, smokeScenarioFile, useDetachedTopology, scratchDir } from './support.js';
import { parseScenario } from '../../src/load/scenario.js';
import { runLoad } from '../../src/load/loadEngine.js';
import { ledgerForScenario } from '../../src/ledger/ledger.js';
import { LedgerObserver } from '../../src/ledger/ledgerObserver.js';
import { verifyLedger } from '../../src/ledger/verifyLedger.js';
import { topologyTarget } from '../../src/target/resolveTarget.js';
import { oauthStateKey, sessionKey } from '../../src/load/session/sessionKeys.js';
import { asSessionClient, sendLogin, sendLogout, sendOauthBegin, sendRevokeAll, settleLogin, settleLogout, settleOauthBegin, settleRevokeAll, type SessionState } from '../../src/load/session/sessionOperations.js';
import { sendOperation, settleOperation } from '../../src/load/session/performOperation.js';
import type { SimSession } from '../../src/load/session/simSession.js';
import { op } from '../../src/load/scenario.js';
import { event, state } from '../../src/ledger/ledgerEvents.testSupport.js';
import { sessionStore } from '../../src/load/session/sessionStore.js';
import { checkHealth, untilHealthy } from '../../src/topology/topologyHealth.js';
import { Redis } from 'ioredis';
import { verifyOnMaster } from '../../src/run/verifyWrites.js';
import type { Target } from '../../src/target/target.js';
import smoke from '../../scenarios/smoke.js';

/*
 * No false passes on problems a run must measure: a planted loss among errored commands, a step
 * that throws, a saturated generator beside a real loss, a latency problem that outlasts the
 * failover. Runs alone (latency verdicts, a generator saturated on purpose, a verdict a starved
 * generator would turn `invalid`); unplannedEvents.test.ts holds the runs that do not go as
 * planned.
 */
isolatedHome();
const work = scratchDir('gauntlet-false-passes-');
const reports = join(work, 'reports');
// A budget far above machine noise: only a planted problem can fail these gates.
const thresholds = { p99Ms: 50, perOperationP99Ms: 50, maxErrorRate: 0.001 };
const scenario = smokeScenarioFile(work, 'smoke-ci', thresholds);
// The TTLs the tests that call the session operations directly write with: far past each test.
const ttl = { sessionS: 600, refreshTokenS: 600, oauthStateS: 600 };
/** A session of user `user`, its keys apart from every other test's by `tag`. */
const taggedSession = (tag: string, name: string, user = name): SessionState => state({ uid: `${user}-${tag}`, sid: `${name}-${tag}`, family: `f-${name}-${tag}`, token: `t-${name}-${tag}` });
const longer = smokeScenarioFile(work, 'smoke-30s', thresholds, { stages: [{ name: 'ramp-up', duration: '3s', sessions: 200 }, { name: 'steady', duration: '27s', sessions: 200 }] });

describe('no false passes', { timeout: 900_000 }, () => {
  const topology = useDetachedTopology();

  test('a planted loss in a session that also had an errored command is still reported', async () => {
    // Real errors: the master pauses writes for 400 ms four times while commands time out after 100 ms.
    const s = parseScenario({ ...smoke, thresholds, stages: [{ name: 'ramp-up', duration: '1s', sessions: 200 }, { name: 'steady', duration: '5s', sessions: 200 }], session: { ...smoke.session, meanLifetime: '1h', mix: { ...smoke.session.mix, revokeAll: 0 }, tokenReuseRate: 0 }, clients: { ...smoke.clients, commandTimeoutMs: 100 } }, 'planted loss');
    const ledger = ledgerForScenario(s);
    const master = (await topology().currentMaster())!;
    const load = runLoad({ scenario: s, target: topologyTarget('detached', topology()), observers: [new LedgerObserver(ledger)] });
    for (let i = 0; i < 4; i++) {
      await sleep(1200);
      await master.control().call('CLIENT', 'PAUSE', '400', 'WRITE');
    }
    const result = await load;
    assert.ok(result.recorder.totalErrors > 0, 'the pauses made commands time out');
    // Sessions whose refresh or logout errored after an acknowledged login.
    const uncertain = [...ledger.records.values()].filter((r) => r.endUncertainAt > 0 && !r.sessionDeleted && !r.mayNotExist).sort((a, b) => b.version - a.version);
    assert.ok(uncertain.length > 0, 'a session with an acknowledged write and then an errored refresh or logout');
    const victim = uncertain[0]!;
    // Control: before anything is planted, the errored sessions are not reported lost.
    const clean = await verifyLedger(ledger, master.control());
    assert.equal(clean.lost, 0, JSON.stringify(clean.examples));
    // Planted: the victim's session falls back below what was acknowledged before its error.
    await master.control().hset(sessionKey(victim.uid, victim.sid), 'v', String(victim.version - 1));
    const r = await verifyLedger(ledger, master.control());
    assert.equal(r.lost, 1, JSON.stringify(r.examples));
    assert.deepEqual(r.findings.map((f) => f.key), [sessionKey(victim.uid, victim.sid)]);
  });

  // An acknowledged end hid a loss before it: the verification pass finds an ended session absent,
  // as it should be. A lost sliding expiry (the session then expires early on the new master), a
  // lost login, any loss of the session's hash: if the app's next step is its logout, nothing in
  // the final state shows it. The truth here is the planted deletion, not the ledger.
  test("a session its own logout found already gone is reported lost; a resent logout and a sibling's revoke-all are not", async () => {
    const master = (await topology().currentMaster())!;
    const app = asSessionClient(master.control().duplicate());
    try {
      const store = { client: app, waitMs: null } as const;
      const s = parseScenario(smoke, 'logout');
      const ledger = ledgerForScenario(s);
      const observer = new LedgerObserver(ledger);
      const tag = Math.random().toString(36).slice(2, 8);
      const session = (uid: string, name: string): SessionState => taggedSession(tag, name, uid);
      const [victim, plain, resent, revoked, sibling] = [session('u1', 'victim'), session('u2', 'plain'), session('u3', 'resent'), session('u4', 'revoked'), session('u4', 'sibling')];
      for (const x of [victim!, plain!, resent!, revoked!, sibling!]) {
        await sendLogin(store, x, ttl, Date.now());
        settleLogin(x);
        observer.onOperation(event('login', x));
      }
      const logout = async (x: SessionState): Promise<void> => observer.onOperation(event('logout', x, { outcome: settleLogout(await sendLogout(store, x)) }));
      // Planted: the victim's session hash vanishes behind the app's back.
      await master.control().del(sessionKey(victim!.uid, victim!.sid));
      await logout(victim!);
      await logout(plain!);
      // The first run's reply never came (a reconnect): the client resent it, and the app sees the second reply.
      await sendLogout(store, resent!);
      await logout(resent!);
      // The sibling's revoke-all ran first at the master; its acknowledgement reached the app after the logout's.
      settleRevokeAll(sibling!, await sendRevokeAll(store, sibling!));
      await logout(revoked!);
      observer.onOperation(event('revokeAll', sibling!));
      const r = await verifyLedger(ledger, master.control());
      assert.deepEqual(r.findings.map((f) => f.key), [sessionKey(victim!.uid, victim!.sid)], JSON.stringify(r.findings));
      assert.equal(r.lostObservedLive, 1);
    } finally {
      app.disconnect();
    }
  });

  // A begun OAuth flow whose state vanished was dropped from the ledger when the callback found
  // nothing: a resent GETDEL may have consumed it first. Only a reconnect between the callback's
  // send and its reply resends it; without one, the state was lost. The truth is the planted DEL.
  test('an OAuth state the callback found gone on its own connection is reported lost; one a resent callback consumed is not', async () => {
    const master = (await topology().currentMaster())!;
    const app = asSessionClient(master.control().duplicate());
    app.on('error', () => undefined);
    try {
      const store = sessionStore(app, null);
      const ledger = ledgerForScenario(parseScenario(smoke, 'oauth'));
      const observer = new LedgerObserver(ledger);
      const tag = Math.random().toString(36).slice(2, 8);
      const flow = async (name: string, meanwhile: (nonce: string) => Promise<void>, duringCallback: () => Promise<void> = async () => undefined): Promise<string> => {
        const x = { ...taggedSession(tag, `o-${name}`), store, sentCloses: 0 } as unknown as SimSession;
        await sendLogin(store, x, ttl, Date.now());
        settleLogin(x);
        observer.onOperation(event('login', x));
        const nonce = `n-${name}-${tag}`;
        settleOauthBegin(x, await sendOauthBegin(store, x, ttl, nonce), nonce);
        observer.onOperation(event('oauthBegin', x));
        await meanwhile(nonce);
        const reply = sendOperation(x, op.oauthComplete, ttl, () => '', 0);
        await duringCallback();
        const outcome = settleOperation(x, op.oauthComplete, await reply);
        observer.onOperation(event('oauthComplete', x, { outcome }));
        return outcome;
      };
      // Planted: the state vanishes behind the app's back.
      assert.equal(await flow('victim', async (n) => void (await master.control().del(oauthStateKey(n)))), 'oauth-state-lost');
      // The first GETDEL ran and its reply was lost (here: consumed before the callback); the
      // callback waits behind a write pause, its connection is killed, ioredis resends it: nothing.
      const appId = String(await app.client('ID'));
      const consumedThenPaused = async (n: string): Promise<void> => {
        await master.control().getdel(oauthStateKey(n));
        await master.control().call('CLIENT', 'PAUSE', '500', 'WRITE');
      };
      assert.equal(await flow('resent', consumedThenPaused, async () => void (await master.control().call('CLIENT', 'KILL', 'ID', appId))), 'oauth-state-missing');
      assert.equal(await flow('plain', async () => undefined), 'ok');
      // The callback asked a server without the state (as an isolated old master a reconnect
      // reached before the sentinels agreed) while the master held it: there at verification, not lost.
      const away = (n: string): string => `${oauthStateKey(n)}:away`;
      assert.equal(await flow('elsewhere', async (n) => void (await master.control().rename(oauthStateKey(n), away(n)))), 'oauth-state-lost');
      await master.control().rename(away(`n-elsewhere-${tag}`), oauthStateKey(`n-elsewhere-${tag}`));
      const r = await verifyLedger(ledger, master.control());
      assert.deepEqual(r.findings.map((f) => f.key), [oauthStateKey(`n-victim-${tag}`)], JSON.stringify(r.findings));
      assert.equal(r.lostObservedLive, 1);
    } finally {
      app.disconnect();
    }
  });

  // A false loss the harness made: with --durable, a write is acknowledged when WAIT 1 says a
  // replica has it. When a failover moves the client while WAIT waits, ioredis resends WAIT to the
  // new master, which confirms its own replicas caught up with it: not the write, which only the
  // old master took. (On the same master a resent WAIT is honest: Redis 7.0 makes a connection's
  // WAIT wait for everything the master took before it, measured.) The truth is the new master.
  test('a durable write is not acknowledged by a WAIT resent to the new master after a failover', async () => {
    const old = (await topology().currentMaster())!;
    const app = asSessionClient(new Redis(topology().clientOptions({ failoverDetector: true, commandTimeout: 40_000, maxRetriesPerRequest: 20, retryStrategy: (n) => Math.min(100 * n, 500) })));
    app.on('error', () => undefined);
    const store = sessionStore(app, 30_000);
    const tag = Math.random().toString(36).slice(2, 8);
    const s = taggedSession(tag, 'dur');
    try {
      await app.ping();
      // The master's replicas and sentinels lose it; the app still reaches it, so WAIT waits.
      await topology().setProxyEnabled(old.peerProxyName, false);
      const write = sendLogin(store, s, ttl, Date.now()).then(
        () => ({ acknowledged: true, error: '' }),
        (e: Error) => ({ acknowledged: false, error: e.message }),
      );
      let fresh = old;
      const deadline = Date.now() + 60_000;
      while (fresh === old && Date.now() < deadline) {
        await sleep(250);
        fresh = (await topology().currentMaster()) ?? old;
      }
      assert.notEqual(fresh, old, 'the sentinels promoted a replica');
      const r = await write;
      assert.equal(await old.control().hget(sessionKey(s.uid, s.sid), 'v'), '1', 'the old master took the write');
      const onNew = await fresh.control().hget(sessionKey(s.uid, s.sid), 'v');
      if (r.acknowledged) assert.notEqual(onNew, null, 'acknowledged as durable, yet only the old master, cut off from every replica, took it');
      else assert.match(r.error, /before WAIT confirmed/);
      assert.equal(onNew, null, 'the write never reached the new master: no acknowledgement could be right');
    } finally {
      app.disconnect();
      await topology().setProxyEnabled(old.peerProxyName, true);
      const health = await untilHealthy(() => checkHealth(topology()), 60_000, 500);
      assert.ok(health.healthy, health.problems.join('; '));
    }
  });

  // Read on a replica behind its master, acknowledged writes look lost: a false fail.
  test('verification reads only a server that replies ROLE master, whatever the sentinels name', async () => {
    const master = (await topology().currentMaster())!;
    const replica = topology().nodes.find((n) => n !== master)!;
    const ledger = ledgerForScenario(parseScenario(smoke, 'role'));
    const namedBy = (node: typeof master): Target => ({ topology: { currentMaster: async () => node }, clusterAccess: () => null }) as unknown as Target;
    const onReplica = await verifyOnMaster(namedBy(replica), ledger, 1500);
    assert.equal(onReplica.report, null);
    assert.match(onReplica.error ?? '', /replies ROLE slave/);
    const onMaster = await verifyOnMaster(namedBy(master), ledger, 1500);
    assert.equal(onMaster.error, null, onMaster.error ?? '');
  });

  test('a step that throws fails the run', async () => {
    const f = experimentFile(work, 'throws', { name: 'throws', description: 'cannot strike', steps: [{ at: '40%', fault: { kind: 'delete-acknowledged-sessions', sessions: 10_000 } }], thresholds: {} });
    const { code, s } = await chaosRun(scenario, reports, f);
    const g = gate(s, 'delete-acknowledged-sessions: fault ran to completion');
    assert.equal(g?.pass, false);
    assert.match(g?.actual ?? '', /could not inject: only \d+ acknowledged live sessions/);
    assert.equal(s.verdict, 'fail');
    assert.equal(code, 1);
  });

  test('a saturated run that lost acknowledged writes exits 1 (fail), not 2', async () => {
    const flood = smokeScenarioFile(work, 'flood', thresholds, {
      stages: [{ name: 'ramp-up', duration: '1s', sessions: 3000 }, { name: 'steady', duration: '6s', sessions: 3000 }],
      session: { ...smoke.session, thinkTime: { distribution: 'constant', ms: 1 }, meanLifetime: '1h', mix: { ...smoke.session.mix, revokeAll: 0 }, tokenReuseRate: 0 },
      clients: { instances: 2, autoPipelining: true, commandTimeoutMs: 5000 },
    });
    const f = experimentFile(work, 'planted', { name: 'planted', description: 'planted loss', steps: [{ at: '70%', fault: { kind: 'delete-acknowledged-sessions', sessions: 20 } }], thresholds: {} });
    const { code, s } = await chaosRun(flood, reports, f);
    assert.equal(s.generator.saturated, true, 'the generator could not keep up');
    assert.ok((s.ledger?.lost ?? 0) >= 20, `lost ${s.ledger?.lost}`);
    assert.equal(s.verdict, 'fail');
    assert.equal(code, 1);
  });

  test('a latency problem that persists after the failover is caught outside the chaos window', async () => {
    const early = experimentFile(work, 'kill-master-early', { name: 'kill-master-early', description: '', steps: [{ at: '30%', fault: { kind: 'kill-master' } }], thresholds: { expectFailover: true } });
    // Control first: the same run without the planted stall passes its latency gates.
    const clean = await chaosRun(longer, reports, early);
    assert.equal(gate(clean.s, 'p99 latency, all operations (outside chaos windows)')?.pass, true, clean.stdout);
    const window = clean.s.chaos.windows[0];
    assert.ok(window?.recoveredAtMs, `the window closed by recovery: ${JSON.stringify(clean.s.chaos.windows)}`);
    assert.ok(window.endMs! - window.startMs < 20_000, 'well before the old fixed 30 s');
    // Planted: once the new master is in place, it stalls 200 ms every 600 ms until the run ends.
    // Four times the 50 ms budget: a breach that far past it is the target's even if the generator
    // falls behind (its lag gate is outweighed while its longest event-loop delay stays under
    // about 75 ms), so a busy machine cannot turn this fail into invalid.
    const before = (await topology().currentMaster())!;
    const run = chaosRun(longer, reports, early);
    let finished = false;
    void run.finally(() => (finished = true));
    let stalls = 0;
    const deadline = Date.now() + 60_000;
    let fresh = before;
    while (Date.now() < deadline && fresh === before) {
      await sleep(200);
      fresh = (await topology().currentMaster()) ?? before;
    }
    assert.notEqual(fresh, before, 'the failover happened');
    await sleep(8000);
    // Until the load is over (the verification that follows is not the target's latency).
    while (!finished && stalls < 30 && Date.now() < deadline) {
      if (!(await fresh.control().call('DEBUG', 'SLEEP', '0.2').then(() => true, () => false))) break;
      stalls++;
      await sleep(400);
    }
    const { code, s } = await run;
    assert.ok(stalls > 5);
    assert.equal(gate(s, 'p99 latency, all operations (outside chaos windows)')?.pass, false, JSON.stringify(s.thresholds));
    assert.equal(gate(s, 'a failover happened')?.pass, true);
    assert.equal(code, 1);
  });
});
