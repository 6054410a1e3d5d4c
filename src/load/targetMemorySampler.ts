import { Redis } from 'ioredis';
import type { Target } from '../target/target.js';
import { parseInfo } from '../topology/replicationInfo.js';

export interface MemorySample {
  t: number;
  usedBytes: number;
}

export interface TargetMemory {
  startBytes: number | null;
  peakBytes: number | null;
  samples: MemorySample[];
}

/**
 * The master's used_memory once a second (INFO memory), on a connection of its own so a slow
 * answer never holds up the load. A target whose user may not run INFO is "not measured".
 */
export class TargetMemorySampler {
  private readonly client: Redis;
  readonly memory: TargetMemory = { startBytes: null, peakBytes: null, samples: [] };

  constructor(target: Target) {
    this.client = new Redis({ ...target.clientOptions(), lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: 2000, connectionName: 'gauntlet-memory' });
    this.client.on('error', () => undefined);
  }

  async start(): Promise<void> {
    this.memory.startBytes = await this.usedMemory();
    this.memory.peakBytes = this.memory.startBytes;
  }

  async sample(t: number): Promise<void> {
    const used = await this.usedMemory();
    if (used === null) return;
    this.memory.samples.push({ t, usedBytes: used });
    this.memory.peakBytes = Math.max(this.memory.peakBytes ?? 0, used);
  }

  close(): void {
    this.client.disconnect();
  }

  private async usedMemory(): Promise<number | null> {
    try {
      const v = Number(parseInfo(await this.client.info('memory')).get('used_memory'));
      return Number.isFinite(v) ? v : null;
    } catch {
      return null;
    }
  }
}
