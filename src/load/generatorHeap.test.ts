// Alone in its file: node --test runs each file in a process of its own, and V8's heap limits are the process's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeHeapRoomForRun } from './generatorHeap.js';

/** Full collections while `n` small objects are made and kept (about 100 bytes each), as a run's sessions and ledger are. */
async function fullCollectionsWhileGrowing(n: number): Promise<number> {
  let full = 0;
  const seen = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full++;
  });
  seen.observe({ entryTypes: ['gc'] });
  const kept: Array<{ i: number; s: string; a: number[] }> = [];
  for (let i = 0; i < n; i++) {
    kept.push({ i, s: `s${i}`, a: [i] });
    if (i % 100_000 === 0) await sleep(0);
  }
  await sleep(50);
  seen.disconnect();
  assert.equal(kept.length, n);
  return full;
}

test('a run grows its heap by hundreds of megabytes without a full collection once room is made; without it, V8 collects', async () => {
  const without = await fullCollectionsWhileGrowing(2_000_000);
  assert.ok(without >= 1, `V8's own limits collect while about 300 MB are kept (${without} full collections)`);
  makeHeapRoomForRun(512);
  assert.equal(await fullCollectionsWhileGrowing(2_000_000), 0);
});
