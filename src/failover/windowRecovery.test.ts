import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosWindows } from '../load/chaosWindows.js';
import { WindowRecovery, type Disturbance } from './windowRecovery.js';

const second = (t: number, p99: number, ops = 100, errors = 0) => ({ t, ops, errors, latencyMs: { p50: 1, p90: 1, p99, p999: p99, max: p99, count: ops }, serviceP99Ms: p99 });
const disturbance = (over: Partial<Disturbance> = {}): Disturbance => ({
  label: 'kill-master', startMs: 10_000, faultDone: () => true, needsFailover: false, failoverSeenAtMs: () => null, clientsBackAtMs: () => null, maxMs: 30_000, ...over,
});

test('a window closes after three consecutive good seconds once the fault is over; those seconds are in it', () => {
  const windows = new ChaosWindows();
  const r = new WindowRecovery(windows, 10, 0.001);
  const rec = r.watch(disturbance());
  for (const [t, p99] of [[11, 500], [12, 400], [13, 5], [14, 5], [15, 50], [16, 5], [17, 5], [18, 5], [19, 5]] as const) r.onSecond(second(t, p99));
  assert.equal(rec.recoveredAtMs, 18_000);
  assert.deepEqual(windows.windows.map((w) => [w.startMs, w.endMs]), [[10_000, 18_000]]);
  assert.equal(windows.overlaps(18_500, 19_000), false);
});

test('a failover belongs to recovery: good latency alone does not close the window before the switch and the clients are back', () => {
  const windows = new ChaosWindows();
  const r = new WindowRecovery(windows, 10, 0.001);
  let switched = false;
  const rec = r.watch(disturbance({ needsFailover: true, failoverSeenAtMs: () => (switched ? 14_500 : null), clientsBackAtMs: () => (switched ? 14_800 : null) }));
  for (let t = 11; t <= 14; t++) r.onSecond(second(t, 1));
  assert.equal(rec.recoveredAtMs, null, 'not before the failover');
  switched = true;
  for (let t = 15; t <= 17; t++) r.onSecond(second(t, 1));
  assert.equal(rec.recoveredAtMs, 17_000);
});

test('errors above the budget are not recovery, and a window still open at its maximum closes there and says so', () => {
  const windows = new ChaosWindows();
  const r = new WindowRecovery(windows, 10, 0.001);
  const rec = r.watch(disturbance({ maxMs: 5000 }));
  for (let t = 11; t <= 16; t++) r.onSecond(second(t, 1, 100, 5));
  assert.equal(rec.recoveredAtMs, null);
  assert.equal(rec.exceeded, true);
  assert.equal(rec.endMs, 15_000);
});

test('an expected outage (no maximum) stays open until the run ends', () => {
  const windows = new ChaosWindows();
  const r = new WindowRecovery(windows, 10, 0.001);
  const rec = r.watch(disturbance({ maxMs: null, faultDone: () => false }));
  for (let t = 11; t <= 100; t++) r.onSecond(second(t, 1));
  assert.equal(rec.endMs, null);
  r.finish(120_000);
  assert.deepEqual([rec.endMs, rec.recoveredAtMs, rec.exceeded], [120_000, null, false]);
});

test('a failover window counts its seconds towards the error budget from the one its outage ended in, by the outage\'s times, though its seconds are judged late; a window without a failover has no such part', () => {
  const windows = new ChaosWindows();
  const r = new WindowRecovery(windows, 10, 0.001);
  // The switch at 14.2 s, the last client back at 15.4 s; the seconds are only settled after that.
  const rec = r.watch(disturbance({ needsFailover: true, failoverSeenAtMs: () => 14_200, clientsBackAtMs: () => 15_400 }));
  const plain = r.watch(disturbance({ label: 'master-latency' }));
  for (let t = 11; t <= 15; t++) r.onSecond(second(t, 500, 100, 100));
  r.onSecond(second(16, 20, 100, 40));
  for (let t = 17; t <= 20; t++) r.onSecond(second(t, 1, 100, 0));
  assert.equal(rec.recoveredAtMs, 19_000);
  r.finish(30_000);
  assert.deepEqual(rec.afterOutage, { ops: 400, errors: 40 }, 'not the outage, though the clients were back when it was judged: the second it ended in, then until the window closed');
  assert.equal(plain.afterOutage, null);
});

test('a fault still running after its outage ended: those seconds count; a failover after another step struck, or an outage that never ended, leaves the window judged whole', () => {
  const windows = new ChaosWindows();
  const r = new WindowRecovery(windows, 10, 0.001);
  let healed = false;
  const running = r.watch(disturbance({ needsFailover: true, faultDone: () => healed, failoverSeenAtMs: () => 14_200, clientsBackAtMs: () => 15_400 }));
  const another = r.watch(disturbance({ needsFailover: true, failoverSeenAtMs: () => 14_200, clientsBackAtMs: () => 15_400, ownsFailover: () => false }));
  const endless = r.watch(disturbance({ needsFailover: true, failoverSeenAtMs: () => 14_200, clientsBackAtMs: () => null, maxMs: null }));
  for (let t = 11; t <= 17; t++) r.onSecond(second(t, 1, 100, t <= 15 ? 100 : 30));
  healed = true;
  for (let t = 18; t <= 20; t++) r.onSecond(second(t, 1, 100, 0));
  const records = r.finish(30_000);
  assert.equal(running.recoveredAtMs, 20_000);
  assert.deepEqual(running.afterOutage, { ops: 500, errors: 60 }, 'seconds 16 and 17 while the fault still ran, then 18-20');
  assert.equal(another.afterOutage, null, "another step's failover does not excuse this window's errors");
  assert.equal(endless.afterOutage, null, 'no end of the outage: the whole window');
  assert.equal(records.length, 3);
});
