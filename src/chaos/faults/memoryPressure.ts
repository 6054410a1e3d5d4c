import { z } from 'zod';
import { setTimeout as sleep } from 'node:timers/promises';
import { durationSchema } from '../../inputValidation.js';
import type { StartedTopology } from '../../topology/startedTopology.js';
import { defineFault, requireMaster, type Fault } from './fault.js';

/**
 * Fill the master towards maxmemory with filler keys (admin connection) and hold for
 * `durationMs`: with the reference noeviction policy session writes fail with OOM (counted as
 * errors by kind); with an evicting policy INFO's evicted_keys grows and the ledger shows which
 * session keys went. Healing deletes the filler.
 */
export class MemoryPressure implements Fault {
  readonly kind = 'memory-pressure';
  private filler = 0;
  constructor(
    readonly fillFraction: number,
    readonly durationMs: number,
  ) {}
  describe(): string {
    return `fill the master to ${Math.round(this.fillFraction * 100)} % of maxmemory for ${this.durationMs} ms, then free it`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const c = m.control();
    const max = Number((await c.config('GET', 'maxmemory'))[1]);
    if (!max) throw new Error('maxmemory is not set on the master');
    const policy = String((await c.config('GET', 'maxmemory-policy'))[1]);
    const evicted = async (): Promise<number> => Number((await m.info('stats')).get('evicted_keys') ?? 0);
    const evictedBefore = await evicted();
    strike();
    // Fill, then keep topping up for the whole duration: freed memory (expired sessions,
    // drained replication buffers) is taken again, so the store stays at its limit.
    const value = 'x'.repeat(64 * 1024);
    let full = false;
    const until = Date.now() + this.durationMs;
    for (;;) {
      const used = Number((await m.info('memory')).get('used_memory'));
      if (used < max * this.fillFraction) {
        const p = c.pipeline();
        for (let k = 0; k < 8; k++) p.set(`gauntlet:filler:${this.filler++}`, value);
        const res = await p.exec();
        full = Boolean(res?.some(([e]) => e && /OOM/.test(e.message)));
      } else full = true;
      if (full) {
        if (Date.now() >= until) break;
        await sleep(20);
      }
    }
    const detail = `filled ${m.name} to ${Math.round(this.fillFraction * 100)} % of ${max} bytes (${this.filler} filler keys, policy ${policy}) for ${this.durationMs} ms; evicted keys meanwhile: ${(await evicted()) - evictedBefore}`;
    // The pressure ends with the step, as a cleared backlog would: recovery is judged from here.
    await this.heal(t);
    return detail;
  }
  async heal(t: StartedTopology): Promise<void> {
    const m = await t.currentMaster();
    if (!m) return;
    for (let i = 0; i < this.filler; i += 500) {
      const keys = Array.from({ length: Math.min(500, this.filler - i) }, (_, k) => `gauntlet:filler:${i + k}`);
      await m.control().unlink(...keys).catch(() => undefined);
    }
    this.filler = 0;
  }
}

export const memoryPressure = defineFault({
  kind: 'memory-pressure',
  attributes: { fillFraction: z.number().min(0.1).max(1).default(0.98), duration: durationSchema },
  hitsDataPath: true,
  usesAppLinks: false,
  create: (f) => new MemoryPressure(f.fillFraction, f.duration),
});
