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
 * Runs `work` with `stop` registered for an interrupt, and calls `stop` once when `work` ends
 * either way. Nothing new starts once interrupted.
 */
async function stoppedAfter<T>(stop: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  if (benchInterrupted.aborted) return untilExit();
  let stopping: Promise<void> | undefined;
  const stopOnce = (): Promise<void> => (stopping ??= stop());
  stoppers.add(stopOnce);
  try {
    return await work();
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

/** `work` on what `start` starts, stopped after it, or on an interrupt (even one during the start). */
export function startedFor<T extends { stop(): Promise<void> }, R>(start: () => Promise<T>, work: (started: T) => Promise<R>): Promise<R> {
  let starting: Promise<T> | undefined;
  return stoppedAfter(
    async () => {
      if (starting) await (await starting).stop();
    },
    async () => work(await (starting = start())),
  );
}

/** Installs the handler: the first SIGINT or SIGTERM stops everything registered and exits 130. */
export function stopOnInterrupt(): void {
  onShutdownSignal((signal) => {
    interrupted.abort();
    process.stderr.write(`\nbench: ${signal}: stopping the servers it started\n`);
    void Promise.allSettled([...stoppers].map((stop) => stop())).then(() => process.exit(130));
  });
}
