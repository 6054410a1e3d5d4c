import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Histogram } from 'hdr-histogram-js';
import { newHistogram, percentilesMs } from '../load/latencyRecorder.js';
import { event, state } from '../ledger/ledgerEvents.testSupport.js';
import { HoldRecorder } from './holdRecorder.js';

/** Histograms recorded directly, beside a HoldRecorder: what its figures must say. */
interface Direct {
  latency: Histogram;
  service: Histogram;
  refreshes: Histogram;
  /** Latencies of every second but the third. */
  notThird: Histogram;
}

/**
 * Operations of a hold from 2 s to 8 s in 400 batches, their seconds coming round again as a
 * worker's batches do (`batches` picks which of them), recorded into `hold` and into `direct`.
 */
function record(hold: HoldRecorder, direct: Direct, batches: (batch: number) => boolean): void {
  const e = event('request', state());
  let seed = 5;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let batch = 0; batch < 400; batch++) {
    const second = 2 + (batch % 7) + (batch % 2);
    for (let k = 0; k < 25; k++) {
      e.action = k % 5 === 0 ? 'refresh' : 'request';
      e.intendedMs = e.readyMs = (second - 1) * 1000 + rnd() * 900;
      e.sentMs = e.intendedMs + 0.1 + rnd() ** 8 * 30;
      e.doneMs = e.sentMs + 0.2 + rnd() ** 6 * 40;
      e.second = second;
      if (!batches(batch)) continue;
      hold.onOperation(e);
      if (e.intendedMs < 2000 || e.intendedMs >= 8000) continue;
      const us = Math.max(1, Math.round((e.doneMs - e.intendedMs) * 1000));
      direct.latency.recordValue(us);
      direct.service.recordValue(Math.max(1, Math.round((e.doneMs - e.sentMs) * 1000)));
      if (e.action === 'refresh') direct.refreshes.recordValue(us);
      if (second !== 3) direct.notThird.recordValue(us);
    }
  }
}

const newDirect = (): Direct => ({ latency: newHistogram(), service: newHistogram(), refreshes: newHistogram(), notThird: newHistogram() });

test("a hold's figures are its operations' latencies however their seconds interleave, and the ramp's are left out", () => {
  const hold = new HoldRecorder(2000, 8000);
  const direct = newDirect();
  record(hold, direct, () => true);
  const f = hold.figures();
  assert.deepEqual(f.overall, percentilesMs(direct.latency));
  assert.deepEqual(f.byOp.refresh, percentilesMs(direct.refreshes));
  assert.equal(f.completed, direct.latency.totalCount);
  assert.ok(f.beforeHold > 0 && f.completed + f.beforeHold < 10_000, 'the ramp and the seconds past the hold are left out');
  // Second 9's operations were intended in second 8, past the hold: no second 9.
  const span = hold.span((t) => t === 3);
  assert.equal(span.seconds, 6);
  assert.equal(span.stalledSeconds, 1);
  assert.deepEqual(percentilesMs(span.healthyLatency), percentilesMs(direct.notThird));
  assert.deepEqual(percentilesMs(span.overall.service), percentilesMs(direct.service));
  assert.deepEqual(percentilesMs(span.overall.latency), percentilesMs(direct.latency));
});

test('operations recorded after the figures were read are in the next figures, in the seconds they came in', () => {
  const hold = new HoldRecorder(2000, 8000);
  const direct = newDirect();
  record(hold, direct, (batch) => batch < 250);
  assert.deepEqual(hold.figures().overall, percentilesMs(direct.latency));
  record(hold, direct, (batch) => batch >= 250);
  assert.deepEqual(hold.figures().overall, percentilesMs(direct.latency));
  const span = hold.span((t) => t === 3);
  assert.deepEqual(percentilesMs(span.healthyLatency), percentilesMs(direct.notThird));
  assert.equal(hold.samples, direct.latency.totalCount);
});
