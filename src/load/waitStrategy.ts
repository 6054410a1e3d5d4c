import { setTimeout as sleep } from 'node:timers/promises';

/** Atomics.wait needs a shared cell; nothing ever notifies it, so a wait is a plain bounded sleep. */
const shortWaitCell = new Int32Array(new SharedArrayBuffer(4));

export type ShortWait = 'spin' | 'block';

/**
 * How the scheduler waits for the next intended time. Timers have ~1 ms granularity, so a wait
 * below 1.5 ms is either a spin (yield to I/O and look again: dispatch and replies timed within
 * microseconds, one core kept busy) or, with `block`, a thread sleep of at most 0.25 ms before
 * yielding to I/O: about half the CPU, but replies arriving meanwhile are read up to 0.25 ms
 * late (docs/benchmarks.md, "Short waits").
 */
export function waitStrategy(shortWait: ShortWait): (waitMs: number) => Promise<void> {
  return async (waitMs) => {
    if (waitMs >= 1.5) {
      await sleep(Math.floor(waitMs - 0.5));
      return;
    }
    if (shortWait === 'block' && waitMs > 0.05) Atomics.wait(shortWaitCell, 0, 0, Math.min(waitMs, 0.25));
    await new Promise<void>((r) => setImmediate(r));
  };
}
