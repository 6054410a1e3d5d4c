import { Redis } from 'ioredis';
import { newHistogram, percentilesMs } from '../load/latencyRecorder.js';
import { hostPort, type StartedTopology } from '../topology/startedTopology.js';
import { withTimeout } from '../waitUntil.js';

export interface PingFigures {
  directP50Ms: number;
  directP99Ms: number;
  proxiedP50Ms: number;
  proxiedP99Ms: number;
}

/** What one hop through Toxiproxy costs, measured on the master with one PING in flight. */
export interface ProxyCalibration {
  before: PingFigures;
  after: PingFigures | null;
}

/** At most this long per side: a proxy with a toxic on it must not hold the run up. */
const budgetMs = 1000;

async function pings(host: string, port: number, t: StartedTopology, n: number): Promise<{ p50: number; p99: number }> {
  const auth = t.adminAuth;
  const c = new Redis({ host, port, username: auth.username, password: auth.password, tls: auth.tls, lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false, connectTimeout: 2000, commandTimeout: 2000, retryStrategy: () => null });
  c.on('error', () => undefined);
  const h = newHistogram();
  try {
    await c.connect();
    for (let i = 0; i < 20; i++) await c.ping();
    const until = performance.now() + budgetMs;
    for (let i = 0; i < n && performance.now() < until; i++) {
      const start = performance.now();
      await c.ping();
      h.recordValue(Math.max(1, Math.round((performance.now() - start) * 1000)));
    }
  } finally {
    c.disconnect();
  }
  const p = percentilesMs(h);
  return { p50: p.p50, p99: p.p99 };
}

/**
 * PING straight to the master's port and through its app proxy, one at a time (up to `n`, at most
 * a second each way): the difference is
 * what the proxy hop adds to every operation when app traffic crosses it (the "proxied" data
 * path), measured before the load and again after it.
 */
export async function pingThroughProxy(t: StartedTopology, n = 1000): Promise<PingFigures | null> {
  const m = await t.currentMaster();
  if (!m) return null;
  try {
    const direct = await withTimeout(pings('127.0.0.1', m.controlPort, t, n), 10_000);
    const { host, port } = hostPort(m.record.appProxy);
    const proxied = await withTimeout(pings(host, port, t, n), 10_000);
    return { directP50Ms: direct.p50, directP99Ms: direct.p99, proxiedP50Ms: proxied.p50, proxiedP99Ms: proxied.p99 };
  } catch {
    return null;
  }
}
