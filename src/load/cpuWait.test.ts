import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { threadCpuWaitMs } from './cpuWait.js';

const spin = 'const end = Date.now() + 400; while (Date.now() < end);';

const before = threadCpuWaitMs();

test('a thread that competes with more busy threads than there are cores waits for a CPU', { skip: before === null && 'no scheduler accounting here (Linux schedstat)', timeout: 10_000 }, async () => {
  // Twice as many spinning threads as cores, and this thread spinning too: the OS must queue it at times.
  const workers = Array.from({ length: availableParallelism() * 2 }, () => new Worker(spin, { eval: true }));
  const end = Date.now() + 400;
  while (Date.now() < end);
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  const after = threadCpuWaitMs()!;
  assert.ok(after > before!, `waited ${after - before!} ms while ${workers.length} threads spun on ${availableParallelism()} cores`);
});

test('a thread alone on an idle core hardly waits: the reading is not a clock', { skip: before === null && 'no scheduler accounting here (Linux schedstat)', timeout: 10_000 }, async () => {
  const start = threadCpuWaitMs()!;
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const waited = threadCpuWaitMs()! - start;
  assert.ok(waited < (performance.now() - t0) / 2, `waited ${waited} ms of ${performance.now() - t0} ms asleep`);
});
