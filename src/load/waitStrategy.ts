import { setTimeout as sleep } from 'node:timers/promises';

/** Atomics.wait needs a shared cell; nothing ever notifies it, so a wait is a plain bounded sleep. */
const shortWaitCell = new Int32Array(new SharedArrayBuffer(4));

export type ShortWait = 'spin' | 'block';

/**
 * How the scheduler waits for the next intended time. A timer fires up to about a millisecond
 * after it was due (libuv keeps time in whole milliseconds), so a timer only covers a wait down
 * to its last 1.5 ms; the rest is waited finely: a spin (yield to I/O with setImmediate and look
 * again: dispatch and replies timed within microseconds, one core kept busy) or, with `block`
 * (the default, chosen by measurement: docs/benchmarks.md, "Short waits"), a thread sleep of at
 * most 0.25 ms before each yield: about half the CPU and a tenth of the garbage, but a reply
 * arriving meanwhile is read up to 0.25 ms late.
 *
 * `block` sleeps even the shortest wait out rather than yielding to look again: at 50,000
 * sessions the next action is often tens of microseconds away, and every yield allocates (a
 * promise and an immediate), which was about a kilobyte of garbage per operation.
 */
export function waitStrategy(shortWait: ShortWait): (waitMs: number) => Promise<void> {
  const block = shortWait === 'block';
  return (waitMs) => {
    if (waitMs >= 2.5) return sleep(Math.floor(waitMs - 1.5));
    if (block && waitMs > 0) Atomics.wait(shortWaitCell, 0, 0, Math.min(waitMs, 0.25));
    return new Promise<void>(yieldToIo);
  };
}

const yieldToIo = (resolve: () => void): void => {
  setImmediate(resolve);
};
