/**
 * How precisely a step knows its p99. The distribution-free confidence interval of a quantile
 * (e.g. Conover, Practical Nonparametric Statistics, §3.2; Hahn & Meeker, Statistical Intervals,
 * §5.2): with n samples, the count B of samples at or below the true quantile x_q is
 * Binomial(n, q), so the order statistics X(j) and X(k) bracket x_q with probability
 * P(j <= B <= k - 1). Ranks come from the normal approximation to that binomial, which holds
 * when n·(1 - q) is at least 10: for a p99, 1,000 samples or more.
 */

/** The 97.5th percentile of the standard normal: a two-sided 95 % interval. */
export const z95 = 1.959964;

/** Below this many expected samples above the quantile the normal approximation is not used. */
const minTailSamples = 10;

export interface RankInterval {
  /** 1-based ranks of the order statistics that bracket the quantile. */
  lower: number;
  upper: number;
}

/** The fewest samples for which a quantile's interval is computed at all (1,000 for a p99). */
export function minSamplesFor(q: number): number {
  return Math.ceil(minTailSamples / (1 - q));
}

/** The ranks bracketing quantile q (0 < q < 1) of n samples at the given z; null when n is too small to say. */
export function quantileRankInterval(n: number, q: number, z = z95): RankInterval | null {
  if (!(q > 0 && q < 1) || n < minSamplesFor(q)) return null;
  const mean = n * q;
  const sd = Math.sqrt(n * q * (1 - q));
  const lower = Math.max(1, Math.floor(mean - z * sd));
  const upper = Math.ceil(mean + z * sd) + 1;
  if (upper > n) return null;
  return { lower, upper };
}

export interface QuantilePrecision {
  samples: number;
  /** The quantile's value and the interval's ends, in the caller's unit. */
  value: number;
  low: number;
  high: number;
  /** The interval's farther end from the value, as a share of it (0.05: within ±5 %). */
  relativeHalfWidth: number;
  /** Within the wanted precision. */
  stable: boolean;
}

/**
 * Judges a quantile's precision from its sample distribution: `valueAtRank(r)` is the r-th
 * smallest sample (read from a histogram). Stable when the whole 95 % interval lies within
 * ±`tolerance` (a share) of the estimate; never stable with too few samples.
 */
export function quantilePrecision(n: number, q: number, tolerance: number, valueAtRank: (rank: number) => number): QuantilePrecision {
  const rank = Math.max(1, Math.ceil(n * q));
  const value = n > 0 ? valueAtRank(rank) : 0;
  const ranks = quantileRankInterval(n, q);
  if (!ranks || value <= 0) return { samples: n, value, low: value, high: value, relativeHalfWidth: Number.POSITIVE_INFINITY, stable: false };
  const low = valueAtRank(ranks.lower);
  const high = valueAtRank(ranks.upper);
  const relativeHalfWidth = Math.max(value - low, high - value) / value;
  return { samples: n, value, low, high, relativeHalfWidth, stable: relativeHalfWidth <= tolerance };
}
