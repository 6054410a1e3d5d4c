import type { Histogram } from 'hdr-histogram-js';

/**
 * The fields of hdr-histogram-js's histograms (typed-array and packed) that `addRecorded` reads.
 * Not in the library's typings: its own `add` walks every one of the ~21,000 counts (a 10-minute
 * range at 3 digits) through a method call each, about 40 µs per add between typed histograms
 * (a millisecond per second of load on the generator's thread) and milliseconds from a packed
 * one. The unit test checks this against the library's own `add`.
 */
interface CountsView {
  /** A typed-array histogram's counts; a packed one has none. */
  _counts?: { [i: number]: number; length: number };
  countsArrayLength: number;
  bucketCount: number;
  subBucketCount: number;
  unitMagnitude: number;
  maxValue: number;
  minNonZeroValue: number;
  countsArrayIndex(value: number): number;
  valueFromIndex(index: number): number;
  getCountAtIndex(index: number): number;
  setTotalCount(count: number): void;
}

const typedCounts = (h: CountsView): CountsView['_counts'] => (h._counts !== undefined && h._counts.length === h.countsArrayLength ? h._counts : undefined);

/**
 * Adds `from` into `into` (same layout, as `newHistogram` builds, typed or packed), walking only
 * the counts between the smallest and the largest value `from` recorded. Into a packed histogram,
 * each of those counts is recorded at its bucket's value (the same bucket in `into`). Falls back
 * to the library's `add` for any histogram of another layout.
 */
export function addRecorded(into: Histogram, from: Histogram): void {
  if (from.totalCount === 0) return;
  const a = into as unknown as CountsView;
  const b = from as unknown as CountsView;
  if (a.countsArrayLength !== b.countsArrayLength || a.bucketCount !== b.bucketCount || a.subBucketCount !== b.subBucketCount || a.unitMagnitude !== b.unitMagnitude) {
    into.add(from);
    return;
  }
  const target = typedCounts(a);
  const source = typedCounts(b);
  // Zero is not a "non-zero minimum": a histogram holding zeros starts at index 0.
  const lo = (source ? source[0]! : b.getCountAtIndex(0)) !== 0 ? 0 : b.countsArrayIndex(b.minNonZeroValue);
  const hi = Math.min(b.countsArrayIndex(b.maxValue), b.countsArrayLength - 1);
  const maxValue = Math.max(a.maxValue, b.maxValue);
  const minNonZeroValue = Math.min(a.minNonZeroValue, b.minNonZeroValue);
  if (target && source) {
    // The hot case (the run's recorder, every second): typed into typed, no call per count.
    for (let i = lo; i <= hi; i++) {
      const c = source[i]!;
      if (c !== 0) target[i] = target[i]! + c;
    }
    a.setTotalCount(into.totalCount + from.totalCount);
  } else {
    for (let i = lo; i <= hi; i++) {
      const c = source ? source[i]! : b.getCountAtIndex(i);
      if (c !== 0) into.recordValueWithCount(b.valueFromIndex(i), c);
    }
  }
  // The exact extremes, as the library's add keeps them (a bucket's value is its lowest).
  a.maxValue = maxValue;
  a.minNonZeroValue = minNonZeroValue;
}
