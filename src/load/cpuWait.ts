import { readFileSync } from 'node:fs';

/**
 * How long the calling thread has waited for a CPU, in ms since it started: ready to run while
 * the OS ran something else (the second field of Linux's /proc/thread-self/schedstat). On a
 * machine the generator shares with the target's servers, a GC pause or a late dispatch can be
 * this wait, not the generator's own work. null where the kernel does not expose it.
 */
export function threadCpuWaitMs(): number | null {
  try {
    const [ranNs, waitedNs] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    // A kernel without scheduler accounting prints zeros: a running thread has always run a little.
    return ranNs! > 0 && Number.isFinite(waitedNs) ? waitedNs! / 1e6 : null;
  } catch {
    return null;
  }
}
