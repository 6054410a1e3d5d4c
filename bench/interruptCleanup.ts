/**
 * Ctrl-C or SIGTERM during `npm run bench`: stop the servers and the topology the bench started
 * (the topology is detached, so that its measurements can each attach from a process of their
 * own, and nothing else would stop it), end the processes it runs, and exit 130.
 */
import { onShutdownSignal } from '../src/cli/shutdownSignals.js';

const stoppers = new Set<() => Promise<void>>();
const interrupted = new AbortController();

/** Aborted on the first signal: given to the processes the bench runs, which it ends. */
export const benchInterrupted: AbortSignal = interrupted.signal;

/** Never settles: once interrupted, the signal's handler stops what runs and exits. */
const untilExit = (): Promise<never> => new Promise<never>(() => undefined);

/**
 * `work` on what `start` starts, and that stopped once when `work` ends either way, or on an
 * interrupt (even one during the start). Nothing new starts once interrupted.
 */
export async function startedFor<T extends { stop(): Promise<void> }, R>(start: () => Promise<T>, work: (started: T) => Promise<R>): Promise<R> {
  if (benchInterrupted.aborted) return untilExit();
  let starting: Promise<T> | undefined;
  let stopping: Promise<void> | undefined;
  const stopOnce = (): Promise<void> => (stopping ??= starting ? starting.then((started) => started.stop()) : Promise.resolve());
  stoppers.add(stopOnce);
  try {
    return await work(await (starting = start()));
  } catch (e) {
    // Interrupted: the work failed because its servers are being stopped.
    if (benchInterrupted.aborted) return untilExit();
    throw e;
  } finally {
    // Still registered while it stops, so an interrupt meanwhile waits for this stop too.
    await stopOnce();
    stoppers.delete(stopOnce);
  }
}

/** Installs the handler: the first SIGINT or SIGTERM stops everything registered and exits 130. */
export function stopOnInterrupt(): void {
  onShutdownSignal((signal) => {
    interrupted.abort();
    process.stderr.write(`\nbench: ${signal}: stopping the servers it started\n`);
    void Promise.allSettled([...stoppers].map((stop) => stop())).then(() => process.exit(130));
  });
}
