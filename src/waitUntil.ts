import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` every `intervalMs` until it gives a value (anything but undefined or false);
 * resolves with that value and the time it took, or with null once `timeoutMs` has passed. A
 * probe that throws counts as "not yet": servers being restarted refuse connections for a while.
 */
export async function pollFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<{ value: T; afterMs: number } | null> {
  const started = Date.now();
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined && v !== false) return { value: v, afterMs: Date.now() - started };
    if (Date.now() - started > timeoutMs) return null;
    await sleep(intervalMs);
  }
}

/** Polls a yes/no `probe`; resolves with the time it took, or throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const r = await pollFor(probe, timeoutMs);
  if (!r) throw new Error(`${what} not within ${timeoutMs} ms`);
  return r.afterMs;
}

/** Rejects after `ms` if `p` has not settled: for calls into a client that may retry forever (a target gone away). */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'no answer'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
