/**
 * Ctrl-C or SIGTERM during `npm run bench`: stop the servers and the topology the bench started
 * (the topology is detached, so that its measurements can each attach from a process of their
 * own, and nothing else would stop it), end the measurement processes, and exit 130.
 */
import { onShutdownSignal } from '../src/cli/shutdownSignals.js';

const stoppers = new Set<() => Promise<void>>();

/** Aborted on the first signal: passed to the measurement processes, which it ends. */
export const benchInterrupted = new AbortController();

/** Runs `work` with `stop` registered for an interrupt, and calls `stop` when `work` ends either way. */
export async function stoppedAfter<T>(stop: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  stoppers.add(stop);
  try {
    return await work();
  } catch (e) {
    // Interrupted: the work failed because its servers are being stopped; the signal's handler exits.
    if (benchInterrupted.signal.aborted) await new Promise<never>(() => undefined);
    throw e;
  } finally {
    stoppers.delete(stop);
    await stop();
  }
}

/** `work` on what `starting` starts, stopped after it, or on an interrupt (even one during the start). */
export function startedFor<T extends { stop(): Promise<void> }, R>(starting: Promise<T>, work: (started: T) => Promise<R>): Promise<R> {
  return stoppedAfter(
    async () => (await starting).stop(),
    async () => work(await starting),
  );
}

export function stopOnInterrupt(): void {
  onShutdownSignal((signal) => {
    benchInterrupted.abort();
    process.stderr.write(`\nbench: ${signal}: stopping the servers it started\n`);
    void Promise.allSettled([...stoppers].map((stop) => stop())).then(() => process.exit(130));
  });
}
