import type { MemorySample } from './targetMemorySampler.js';

/** One shard's master memory over the run (used_memory less the replication backlog, bytes). */
export interface ShardMemory {
  name: string;
  startBytes: number | null;
  peakBytes: number | null;
  /** Readings (the start's and one a second) its master did not answer; 0 when it answered all. */
  missedSamples: number;
  /** Why the last missed reading was missed; null when none was. */
  missedWhy: string | null;
}

/**
 * A cluster's memory as the sum over its shards' masters, second by second. A shard that missed
 * a second counts with its last reading (a failover's second or two would otherwise read as
 * memory freed), and its misses are counted on it; a shard not read yet adds nothing, and its
 * first reading is its start. So one shard that does not answer never leaves the run unmeasured.
 */
export class ShardMemorySum {
  readonly shards: ShardMemory[];
  readonly samples: MemorySample[] = [];
  private readonly latest: Array<number | null>;

  constructor(names: readonly string[]) {
    this.shards = names.map((name) => ({ name, startBytes: null, peakBytes: null, missedSamples: 0, missedWhy: null }));
    this.latest = names.map(() => null);
  }

  /** One reading of every shard, in the shards' order: bytes, or why not. `t` null: the start's reading (no sample). */
  add(t: number | null, readings: ReadonlyArray<{ bytes: number } | { why: string }>): void {
    readings.forEach((r, k) => {
      const s = this.shards[k]!;
      if ('why' in r) {
        s.missedSamples++;
        s.missedWhy = r.why;
        return;
      }
      s.startBytes ??= r.bytes;
      s.peakBytes = Math.max(s.peakBytes ?? r.bytes, r.bytes);
      this.latest[k] = r.bytes;
    });
    if (t === null || this.latest.every((x) => x === null)) return;
    this.samples.push({ t, usedBytes: this.latest.reduce<number>((sum, x) => sum + (x ?? 0), 0) });
  }

  /** The shards' starts added up; null when no shard was ever read. */
  get startBytes(): number | null {
    const read = this.shards.filter((s) => s.startBytes !== null);
    return read.length ? read.reduce((sum, s) => sum + s.startBytes!, 0) : null;
  }

  /** The largest sum of a second, or the start's when larger; null when no shard was ever read. */
  get peakBytes(): number | null {
    const start = this.startBytes;
    if (start === null) return null;
    return this.samples.reduce((peak, x) => Math.max(peak, x.usedBytes), start);
  }

  /** Why nothing was measured, naming each shard's last miss; null when something was. */
  notMeasured(as: string): string | null {
    if (this.startBytes !== null) return null;
    return `the ${as} could not read INFO memory on any shard's master: ${this.shards.map((s) => `${s.name}: ${s.missedWhy ?? 'no answer'}`).join('; ')}`;
  }
}
