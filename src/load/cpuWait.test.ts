import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { threadCpuWaitMs } from './cpuWait.js';

const spin = 'const end = Date.now() + 400; while (Date.now() < end);';

test('a thread that competes with more busy threads than there are cores waits for a CPU, and the count only grows', { skip: process.platform !== 'linux' && 'Linux schedstat only', timeout: 10_000 }, async () => {
  const before = threadCpuWaitMs();
  assert.ok(before !== null && before >= 0, `no schedstat reading: ${before}`);
  // Twice as many spinning threads as cores, and this thread spinning too: the OS must queue someone.
  const workers = Array.from({ length: availableParallelism() * 2 }, () => new Worker(spin, { eval: true }));
  const end = Date.now() + 400;
  while (Date.now() < end);
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  const after = threadCpuWaitMs()!;
  assert.ok(after > before, `waited ${after - before} ms while ${workers.length} threads spun on ${availableParallelism()} cores`);
});
