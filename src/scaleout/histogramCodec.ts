import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { newHistogram } from '../load/latencyRecorder.js';
import { addRecorded } from '../load/histogramAdd.js';

/** HdrHistogram's compressed base64 encoding (V2 format, deflated): lossless, and readable by HdrHistogram in other languages. */
export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** The sum of encoded histograms (HDR add: every bucket's count added, nothing averaged), in the recorder's layout. */
export function sumEncoded(encoded: readonly string[]): Histogram {
  const sum = newHistogram();
  for (const e of encoded) addRecorded(sum, hdr.decodeFromCompressedBase64(e, 32, false));
  return sum;
}

/** A histogram of the recorder's layout holding the encoded one's counts. */
export function decodeHistogram(encoded: string): Histogram {
  return sumEncoded([encoded]);
}

/** The sum of encoded histograms, encoded. */
export function addEncoded(encoded: readonly string[]): string {
  return encodeHistogram(sumEncoded(encoded));
}

/**
 * Each second's own histograms from the run's cumulative ones (the engine's `onIntervalClosed`):
 * the difference from the totals a second earlier. Two copies kept, nothing per operation.
 */
export class SecondHistograms {
  private readonly before = { latency: newHistogram(), service: newHistogram() };
  private readonly delta = newHistogram();
  private readonly byT = new Map<number, { latency: string; service: string }>();

  record(t: number, totals: Readonly<{ latency: Histogram; service: Histogram }>): { latency: string; service: string } {
    const second = { latency: this.since(totals.latency, this.before.latency), service: this.since(totals.service, this.before.service) };
    this.byT.set(t, second);
    return second;
  }

  /** Second t's histograms, encoded (an empty one when the engine did not close that second). */
  at(t: number): { latency: string; service: string } {
    return this.byT.get(t) ?? { latency: encodeHistogram(newHistogram()), service: encodeHistogram(newHistogram()) };
  }

  private since(total: Histogram, before: Histogram): string {
    const d = this.delta;
    d.reset();
    d.add(total);
    if (before.totalCount > 0) d.subtract(before);
    before.add(d);
    return encodeHistogram(d);
  }
}
