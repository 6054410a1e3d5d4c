import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { assertGatesPass, assertPassedOrStarved, besideAnotherFile, chaosRun, experimentFile, gate, heldLate, isolatedHome, reportedSummary, runCli, smokeScenarioFile, useDetachedTopology, scratchDir } from './support.js';

isolatedHome();
const work = scratchDir('gauntlet-procedures-');
const reports = join(work, 'reports');
const thresholds = { p99Ms: 50, perOperationP99Ms: 50, maxErrorRate: 0.001 };
// The generator sleeps instead of spinning on short waits here: less CPU taken from the servers
// while the procedures run, and the 'block' path gets exercised.
const scenario = smokeScenarioFile(work, 'smoke-ci', thresholds, { generator: { ...besideAnotherFile, shortWait: 'block' } });
// A procedure's chaos window covers most of a short run, and the steady-state gates judge the
// seconds outside it: 10 s steady leaves about five of them (the 7 s test smoke left two, where
// one hiccup of the machine decided the scheduler-lag p99 of some 240 dispatches).
const run = (chaos: string, extra: string[] = []): ReturnType<typeof chaosRun> => chaosRun(scenario, reports, chaos, ['--duration', '10s', ...extra]);
// The same, its generator held to a lag limit no generator keeps (1 µs), as on a box so busy it
// falls behind (a CI run beside another file once did): a procedure's failed checks read the
// servers' state, so the run fails however late the generator was.
const lateScenario = smokeScenarioFile(work, 'smoke-late', thresholds, { generator: { ...heldLate, shortWait: 'block' } });

/** The runbook's procedures, each run as its experiment under load on one detached topology. */
describe('runbook procedures as experiments', { timeout: 900_000 }, () => {
  useDetachedTopology();

  test('backup-restore: the restored backup holds exactly what the ledger acknowledged at the backup', async () => {
    const { code, s, stdout } = await run('backup-restore');
    const d = s.chaos.drills[0];
    assert.ok(d?.verification, JSON.stringify(d));
    assert.ok(d.verification.keysChecked > 100, `checked ${d.verification.keysChecked}`);
    assert.equal(d.verification.lost, 0, JSON.stringify(d.verification.examples));
    assert.equal(d.verification.resurrected, 0);
    assertPassedOrStarved(code, s, stdout);
  });

  test('point-in-time-restore: the AOF cut at the chosen second holds exactly what was acknowledged by then', async () => {
    const { code, s, stdout } = await run('point-in-time-restore');
    const d = s.chaos.drills[0];
    assert.ok(d?.verification, JSON.stringify(d));
    assert.ok(d.verification.keysChecked > 100);
    assert.equal(d.verification.lost, 0, JSON.stringify(d.verification.examples));
    assert.equal(d.verification.resurrected, 0, JSON.stringify(d.verification.examples));
    // Restored from the off-host archive across a rewrite forced after the moment.
    assert.match(d.detail, /AOF rewritten .*restored .* from the archive/, d.detail);
    assertPassedOrStarved(code, s, stdout);
  });

  test('rotate-app-password: clients keep writing, the old password is refused everywhere and the new one persisted', async () => {
    const { code, s, stdout } = await run('rotate-app-password');
    assertGatesPass(s, ['old app password refused (WRONGPASS) on every server', 'new app password accepted on every server', 'rotation persisted (ACL file, sentinel config): new hash only']);
    assert.equal(s.ledger?.lost, 0);
    assertPassedOrStarved(code, s, stdout);
    // The next run connects with the rotated password from the credentials file.
    const next = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--out', reports, '--quiet']);
    assertPassedOrStarved(next.code, reportedSummary(next).s, next.stdout);
  });

  test('a rotation that never retires the old password fails its gate', async () => {
    const f = experimentFile(work, 'rotate-incomplete', { name: 'rotate-incomplete', description: 'old password kept', steps: [{ at: '40%', fault: { kind: 'rotate-app-password', retireOld: false } }], thresholds: {} });
    const { code, s } = await chaosRun(lateScenario, reports, f, ['--duration', '10s']);
    assert.equal(gate(s, 'old app password refused (WRONGPASS) on every server')?.pass, false);
    const late = gate(s, 'generator kept up with its schedule');
    assert.equal(late?.pass, false, 'the 1 µs lag limit is exceeded');
    assert.match(late.outweighed ?? '', /the procedure ran in full and its own checks failed \(old app password refused/);
    assert.equal(code, 1);
  });

  test('rotate-replication-password: every replica logs in again with the new password, the old one is refused and masterauth persisted', async () => {
    const { code, s, stdout } = await run('rotate-replication-password');
    assertGatesPass(s, ['old replicator password refused (WRONGPASS) on every server', 'new replicator password accepted on every server', 'rotation persisted (ACL file): new hash only', 'every replica logged in again with the new replicator password', 'masterauth persisted with the new password only']);
    assert.equal(s.failover?.count, 0);
    assert.equal(s.ledger?.lost, 0);
    assertPassedOrStarved(code, s, stdout);
  });

  test('rotate-sentinel-password: every sentinel logs in again with the new password and no failover happens', async () => {
    const { code, s, stdout } = await run('rotate-sentinel-password');
    assertGatesPass(s, ['old sentinel password refused (WRONGPASS) on every server', 'every sentinel logged in again with the new sentinel password', 'auth-pass persisted with the new password only']);
    assert.equal(s.failover?.count, 0);
    assertPassedOrStarved(code, s, stdout);
  });

  test('a replication-password rotation that never updates masterauth locks the replicas out, and its gate says so', async () => {
    const f = experimentFile(work, 'rotate-forgot-masterauth', { name: 'rotate-forgot-masterauth', description: 'masterauth not updated', steps: [{ at: '40%', fault: { kind: 'rotate-service-password', user: 'replicator', updateClients: false } }], thresholds: {} });
    const { code, s } = await run(f);
    const g = gate(s, 'every replica logged in again with the new replicator password');
    assert.equal(g?.pass, false, g?.actual);
    assert.match(g?.actual ?? '', /^0 of 2 after/);
    // Healing applies the forgotten masterauth, so the topology is whole again for what follows.
    assert.equal(gate(s, 'topology healthy again after healing')?.pass, true);
    assert.equal(code, 1);
  });

  test('replace-replica: an empty node replaces a dead replica, syncs, and every sentinel rediscovers after SENTINEL RESET', async () => {
    const { code, s, stdout } = await run('replace-replica');
    assert.equal(gate(s, "replacement replica holds the master's data")?.pass, true, gate(s, "replacement replica holds the master's data")?.actual);
    assert.equal(gate(s, 'every sentinel rediscovered replicas and peers after SENTINEL RESET')?.pass, true);
    assert.equal(s.failover?.count, 0);
    assert.equal(s.ledger?.lost, 0);
    assertPassedOrStarved(code, s, stdout);
  });

  test('add-sentinel: a fourth sentinel is discovered by all, and forgotten after its removal', async () => {
    const { code, s, stdout } = await run('add-sentinel');
    assert.equal(gate(s, 'added sentinel discovered by every sentinel')?.pass, true, stdout);
    assert.equal(gate(s, 'removed sentinel forgotten after SENTINEL RESET')?.pass, true, stdout);
    assert.equal(gate(s, 'topology healthy again after healing')?.pass, true);
    assertPassedOrStarved(code, s, stdout);
  });

  test('connection-leak: the leak reaches maxclients, is found by CLIENT LIST name and killed, and app writes go on', async () => {
    const { code, s, stdout } = await run('connection-leak');
    assertGatesPass(s, ['maxclients reached: connections rejected', 'the leaking client found by CLIENT LIST name', 'connections back to normal after the response']);
    assert.equal(gate(s, 'client-observed write unavailability (worst client)')?.pass, true, gate(s, 'client-observed write unavailability (worst client)')?.actual);
    assertPassedOrStarved(code, s, stdout);
  });

  test('slow-commands: every slow command shows in the slow log and in the report', async () => {
    const { code, s, stdout } = await run('slow-commands');
    assert.equal(gate(s, "slow commands found in the master's slow log")?.pass, true, stdout);
    assert.ok((s.slowLog ?? []).filter((e) => /^eval/i.test(e.command) && e.durationMs >= 90).length >= 5, JSON.stringify(s.slowLog));
    assertPassedOrStarved(code, s, stdout);
  });

  test('rotate-tls-certificates on a plaintext topology is refused before the load starts', async () => {
    const r = await runCli(['run', '--scenario', scenario, '--target', 'detached', '--chaos', 'rotate-tls-certificates', '--out', reports, '--quiet']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /needs a TLS topology/);
  });
});
