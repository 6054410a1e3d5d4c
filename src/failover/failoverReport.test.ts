import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmFromLedger, failoverFigures } from './failoverReport.js';
import { WriteAvailability } from './writeAvailability.js';
import type { RecoveryRecord } from './windowRecovery.js';
import { Ledger } from '../ledger/ledger.js';

const ttl = { sessionMs: 1_800_000, refreshTokenMs: 7_200_000, oauthStateMs: 300_000 };

function ledgerWith(found: { version: number | null; familyGen: number | null }, acked: { version: number; deleted?: boolean }): Ledger {
  const l = new Ledger(ttl);
  l.loginAcked('u', 's', 'f', 't', 1000);
  for (let v = 2; v <= acked.version; v++) l.rotated('s', `t${v}`, v, 1000 + v);
  if (acked.deleted) l.ended('s', 2000);
  const r = l.records.get('s')!;
  r.foundVersion = found.version;
  r.foundFamilyGen = found.familyGen;
  return l;
}

test('a write is confirmed by its session at or above its version, and refused below it', () => {
  assert.equal(confirmFromLedger(ledgerWith({ version: 3, familyGen: 3 }, { version: 3 }))('s', 3), true);
  assert.equal(confirmFromLedger(ledgerWith({ version: 2, familyGen: 2 }, { version: 3 }))('s', 3), false);
});

test('a write the app found lost during the run is refused, though later writes took its session past it', () => {
  const l = new Ledger(ttl);
  l.loginAcked('u', 's', 'f', 't', 1000);
  l.rotated('s', 't2', 2, 1002);
  l.rotated('s', 't3', 3, 1003);
  // v3 lost: the next refresh found v2 and wrote v3 again, the one after v4.
  l.rotated('s', 't4', 3, 1004);
  l.rotated('s', 't5', 4, 1005);
  l.records.get('s')!.foundVersion = 4;
  const confirm = confirmFromLedger(l);
  assert.equal(confirm('s', 3), false);
  assert.equal(confirm('s', 2), true);
  assert.equal(confirm('s', 4), true);
});

test('a session that logged out since is judged by its revoked family: the ramp-down ends every session', () => {
  assert.equal(confirmFromLedger(ledgerWith({ version: null, familyGen: 3 }, { version: 3, deleted: true }))('s', 3), true);
  // The family behind the write (its generation was lost with it): not confirmed.
  assert.equal(confirmFromLedger(ledgerWith({ version: null, familyGen: 2 }, { version: 3, deleted: true }))('s', 3), null);
  assert.equal(confirmFromLedger(ledgerWith({ version: null, familyGen: null }, { version: 3, deleted: true }))('s', 3), null);
});

test('an unverified ledger confirms nothing', () => {
  const l = new Ledger(ttl);
  l.loginAcked('u', 's', 'f', 't', 1000);
  assert.equal(confirmFromLedger(l)('s', 1), null);
});

test('split brain: lost writes acknowledged during a window that ended in a master switch, not those acknowledged before the strike', () => {
  const start = 1_000_000;
  const l = new Ledger(ttl);
  const lostAt = (sid: string, atMs: number): void => {
    l.loginAcked('u', sid, `f${sid}`, 't', start + atMs);
    l.records.get(sid)!.verifiedLost = true;
  };
  lostAt('before', 4_000); // replication lag: acknowledged before the strike
  lostAt('during1', 5_500);
  lostAt('during2', 7_000);
  lostAt('after', 20_000); // after the window closed
  // Acknowledged in the window, found gone by its logout after the window: dated by the write, not the logout.
  lostAt('loggedOut', 6_000);
  l.logoutFoundGone('loggedOut', start + 25_000);
  l.ended('loggedOut', start + 25_000);
  const window = (startMs: number, endMs: number): RecoveryRecord => ({ label: 'partition-master', startMs, endMs, recoveredAtMs: endMs, exceeded: false, maxMs: 30_000, afterOutage: null });
  const figures = (failoverAtMs: number | null) =>
    failoverFigures({
      failovers: failoverAtMs === null ? [] : [{ atMs: failoverAtMs, from: 'a', to: 'b', seenBy: 'event', sdownToSwitchMs: 1000, cause: 'partition-master', markIndex: null, recovery: null }],
      events: [],
      writes: new WriteAvailability(),
      recoveries: [window(5_000, 12_000)],
      strikes: [{ name: 'partition-master', atMs: 5_000 }],
      ledger: l,
      startedAtWallMs: start,
    }).splitBrain;
  assert.deepEqual(figures(8_000), { sessions: 3, firstAtMs: 5_500, lastAtMs: 7_000 });
  assert.equal(figures(null), null, 'no master switch in the window: a loss there is not a split brain');
});
