import type { ThinkTime } from './scenario.js';

/**
 * Seeded PRNG (mulberry32): the same seed gives the same schedule, so two runs offer the same
 * load and a failing run can be replayed.
 */
export class RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  thinkTime(t: ThinkTime): number {
    switch (t.distribution) {
      case 'exponential':
        return this.exponential(t.meanMs);
      case 'uniform':
        return t.minMs + this.next() * (t.maxMs - t.minMs);
      case 'constant':
        return t.ms;
    }
  }

  /** Picks an index by relative weight (`total` is the weights' sum). */
  weightedIndex(weights: readonly number[], total: number): number {
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }
}
