import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `probe` every 100 ms; resolves with the time it took, or throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not within ${timeoutMs} ms`);
    await sleep(100);
  }
}
