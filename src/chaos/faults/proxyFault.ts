import { setTimeout as sleep } from 'node:timers/promises';
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import type { RunningTopology } from '../../topology/runningTopology.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import type { Fault } from './fault.js';

/** Faults that act on proxies heal by resetting them all (every proxy enabled, no toxics). */
export abstract class ProxyFault implements Fault {
  abstract readonly kind: string;
  abstract describe(): string;
  abstract inject(t: StartedTopology, strike: () => void): Promise<string>;
  async heal(t: StartedTopology): Promise<void> {
    await t.resetProxies();
  }
}

/** Cuts the named links for `durationMs`, then restores them. */
export async function cutLinks(t: RunningTopology, names: readonly string[], durationMs: number, strike: () => void): Promise<void> {
  strike();
  await Promise.all(names.map((n) => t.setProxyEnabled(n, false)));
  await sleep(durationMs);
  await Promise.all(names.map((n) => t.setProxyEnabled(n, true)));
}

/** Adds the toxics to each named proxy for `durationMs`, then removes them; one strike for all. */
export async function holdToxics(t: StartedTopology, proxyNames: readonly string[], toxics: ReadonlyArray<ICreateToxicBody<unknown>>, durationMs: number, strike: () => void): Promise<void> {
  const proxies = await Promise.all(proxyNames.map((n) => t.proxy(n)));
  strike();
  const added = await Promise.all(proxies.flatMap((p) => toxics.map((x) => p.addToxic(x))));
  await sleep(durationMs);
  await Promise.all(added.map((x) => x.remove()));
}
