import type { Histogram } from 'hdr-histogram-js';

/**
 * The fields of hdr-histogram-js's typed-array histograms that `addRecorded` reads. Not in the
 * library's typings: its own `add` walks every one of the ~21,000 counts (a 10-minute range at
 * 3 digits) through a method call each, about 40 µs per add and a millisecond per second of load
 * on the generator's thread. The unit test checks this against the library's own `add`.
 */
interface CountsView {
  _counts?: { [i: number]: number; length: number };
  countsArrayLength: number;
  bucketCount: number;
  subBucketCount: number;
  unitMagnitude: number;
  maxValue: number;
  minNonZeroValue: number;
  countsArrayIndex(value: number): number;
  setTotalCount(count: number): void;
}

/**
 * Adds `from` into `into` (same layout, as `newHistogram` builds), walking only the counts
 * between the smallest and the largest value `from` recorded. Falls back to the library's `add`
 * for any histogram this does not recognise.
 */
export function addRecorded(into: Histogram, from: Histogram): void {
  if (from.totalCount === 0) return;
  const a = into as unknown as CountsView;
  const b = from as unknown as CountsView;
  const target = a._counts;
  const source = b._counts;
  if (
    target === undefined || source === undefined ||
    target.length !== a.countsArrayLength || source.length !== b.countsArrayLength ||
    a.countsArrayLength !== b.countsArrayLength || a.bucketCount !== b.bucketCount ||
    a.subBucketCount !== b.subBucketCount || a.unitMagnitude !== b.unitMagnitude
  ) {
    into.add(from);
    return;
  }
  // Zero is not a "non-zero minimum": a histogram holding zeros starts at index 0.
  const lo = source[0] !== 0 ? 0 : b.countsArrayIndex(b.minNonZeroValue);
  const hi = Math.min(b.countsArrayIndex(b.maxValue), b.countsArrayLength - 1);
  for (let i = lo; i <= hi; i++) {
    const c = source[i]!;
    if (c !== 0) target[i] = target[i]! + c;
  }
  a.setTotalCount(into.totalCount + from.totalCount);
  if (b.maxValue > a.maxValue) a.maxValue = b.maxValue;
  if (b.minNonZeroValue < a.minNonZeroValue) a.minNonZeroValue = b.minNonZeroValue;
}
