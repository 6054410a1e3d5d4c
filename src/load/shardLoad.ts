import type { Histogram } from 'hdr-histogram-js';
import { newHistogram, percentilesMs, type Percentiles } from './latencyRecorder.js';
import type { OperationEvent, OperationObserver } from './operationEvent.js';
import type { ShardMap } from './shardMap.js';

export interface ShardFigures {
  name: string;
  ops: number;
  errors: number;
  latencyMs: Percentiles;
}

/** A shard's figures before percentiles: what parts of a run add up (counts added, histograms added bucket by bucket). */
export interface ShardCounts {
  name: string;
  ops: number;
  errors: number;
  /** Completion minus intended start, µs. */
  latency: Histogram;
}

/** A shard's figures as the summary reports them: the p99 is its histogram's, whoever added it up. */
export function shardFigures(c: ShardCounts): ShardFigures {
  return { name: c.name, ops: c.ops, errors: c.errors, latencyMs: percentilesMs(c.latency) };
}

/**
 * Operations, errors and latency per shard of a cluster: one histogram per shard, recorded by the
 * shard's index (ShardMap), so skew between shards shows (a hot shard, a struck one). Every
 * operation counts, chaos windows included: a fault on one shard shows in that shard's figures.
 */
export class ShardLoad implements OperationObserver {
  private readonly ops: Float64Array;
  private readonly errors: Float64Array;
  private readonly latency: Histogram[];
  /** Operations no shard could be named for (an OAuth begin that failed before its nonce was kept). */
  unattributed = 0;

  constructor(readonly map: ShardMap) {
    this.ops = new Float64Array(map.count);
    this.errors = new Float64Array(map.count);
    this.latency = Array.from({ length: map.count }, newHistogram);
  }

  onOperation(e: Readonly<OperationEvent>): void {
    const k = this.map.ofOperation(e);
    if (k < 0) {
      this.unattributed++;
      return;
    }
    this.ops[k]!++;
    if (e.error !== null) this.errors[k]!++;
    this.latency[k]!.recordValue(Math.max(1, Math.round((e.doneMs - e.intendedMs) * 1000)));
  }

  /** Each shard's counts and histogram as recorded so far (the histograms are this recorder's own: read, never change them). */
  counts(): ShardCounts[] {
    return this.map.names.map((name, k) => ({ name, ops: this.ops[k]!, errors: this.errors[k]!, latency: this.latency[k]! }));
  }

  figures(): ShardFigures[] {
    return this.counts().map(shardFigures);
  }
}
