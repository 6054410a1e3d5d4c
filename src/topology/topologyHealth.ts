import type { Redis } from 'ioredis';
import type { SentinelHandle } from './nodeHandles.js';
import { fieldsOf, replicasFromInfo } from './replicationInfo.js';
import type { StartedTopology } from './startedTopology.js';
import { pollFor } from '../waitUntil.js';

export interface SentinelHealth {
  name: string;
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  healthy: boolean;
  master: string | null;
  replicasOnline: number;
  sentinels: SentinelHealth[];
  problems: string[];
}

/** What one sentinel (any connection to it) knows of the master: replicas and other sentinels. */
export async function sentinelView(c: Redis, masterName: string): Promise<{ replicas: number; others: number }> {
  const fields = fieldsOf(await c.call('SENTINEL', 'MASTER', masterName));
  return { replicas: Number(fields.get('num-slaves')), others: Number(fields.get('num-other-sentinels')) };
}

async function sentinelHealth(t: StartedTopology, s: SentinelHandle): Promise<SentinelHealth> {
  if (!s.isRunning()) return { name: s.name, ok: false, detail: 'not running' };
  try {
    const c = s.control();
    const quorum = String(await c.call('SENTINEL', 'CKQUORUM', t.masterName));
    const { replicas, others } = await sentinelView(c, t.masterName);
    const ok = quorum.startsWith('OK') && replicas === t.nodes.length - 1 && others === t.sentinels.length - 1;
    return { name: s.name, ok, detail: `${quorum.split(' ')[0]}; knows ${replicas} replicas, ${others} other sentinels` };
  } catch (e) {
    return { name: s.name, ok: false, detail: (e as Error).message };
  }
}

/**
 * Healthy: one master (as the sentinels name it, asked directly) with every replica online, and
 * every sentinel passing CKQUORUM while knowing every replica and every other sentinel.
 */
export async function checkHealth(t: StartedTopology): Promise<HealthReport> {
  const problems: string[] = [];
  const master = await t.currentMaster();
  let replicasOnline = 0;
  if (!master) problems.push('no sentinel names a master');
  else {
    try {
      const info = await master.info('replication');
      if (info.get('role') !== 'master') problems.push(`${master.name} is named master by sentinels but reports role ${info.get('role')}`);
      replicasOnline = replicasFromInfo(info).filter((r) => r.state === 'online').length;
      const expected = t.nodes.length - 1;
      if (replicasOnline < expected) problems.push(`${replicasOnline} of ${expected} replicas online at ${master.name}`);
    } catch (e) {
      problems.push(`${master.name} does not answer: ${(e as Error).message}`);
    }
  }
  const sentinels = await Promise.all(t.sentinels.map((s) => sentinelHealth(t, s)));
  for (const s of sentinels) if (!s.ok) problems.push(`${s.name}: ${s.detail}`);
  return { healthy: problems.length === 0, master: master?.name ?? null, replicasOnline, sentinels, problems };
}

/** How a topology is known to be ready (testcontainers' wait strategies): after start, and after healing. */
export interface WaitStrategy {
  readonly description: string;
  waitUntilReady(t: StartedTopology, timeoutMs: number): Promise<HealthReport>;
}

/** Polls a health check until healthy; returns the last report either way. */
export async function untilHealthy<R extends HealthReport>(check: () => Promise<R>, timeoutMs: number, intervalMs: number): Promise<R> {
  let last: R | undefined;
  const healthy = await pollFor(async () => {
    last = await check();
    return last.healthy && last;
  }, timeoutMs, intervalMs);
  return healthy?.value ?? last ?? check();
}

/** Polls `checkHealth` until healthy; returns the last report either way. */
export const forHealthyTopology: WaitStrategy = {
  description: 'every replica online at the master, every sentinel passing CKQUORUM and knowing all replicas and sentinels',
  waitUntilReady: (t, timeoutMs) => untilHealthy(() => checkHealth(t), timeoutMs, 200),
};
