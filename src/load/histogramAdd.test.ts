import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as hdr from 'hdr-histogram-js';
import { newHistogram } from './latencyRecorder.js';
import { addRecorded } from './histogramAdd.js';

const sameAs = (a: hdr.Histogram, b: hdr.Histogram): void => {
  assert.equal(a.totalCount, b.totalCount);
  assert.equal(a.maxValue, b.maxValue);
  assert.equal(a.minNonZeroValue, b.minNonZeroValue);
  for (const p of [0, 1, 50, 90, 99, 99.9, 99.99, 100]) assert.equal(a.getValueAtPercentile(p), b.getValueAtPercentile(p), `p${p}`);
  assert.equal(hdr.encodeIntoCompressedBase64(a), hdr.encodeIntoCompressedBase64(b));
};

test('adding over the recorded range gives exactly what the library add gives', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const ours = newHistogram();
  const theirs = newHistogram();
  for (let round = 0; round < 30; round++) {
    const from = newHistogram();
    const n = round % 5 === 0 ? 1 : Math.floor(rnd() * 2000);
    for (let i = 0; i < n; i++) from.recordValue(Math.max(1, Math.floor(rnd() ** 4 * (round % 3 === 0 ? 500_000_000 : 20_000))));
    if (round === 4) from.recordValue(0);
    addRecorded(ours, from);
    theirs.add(from);
    sameAs(ours, theirs);
  }
});

test('an empty histogram adds nothing, and adding into an empty one copies it', () => {
  const into = newHistogram();
  addRecorded(into, newHistogram());
  assert.equal(into.totalCount, 0);
  const from = newHistogram();
  from.recordValue(1234);
  from.recordValue(99);
  addRecorded(into, from);
  assert.equal(into.totalCount, 2);
  assert.equal(into.maxValue, from.maxValue);
  assert.equal(into.minNonZeroValue, from.minNonZeroValue);
});

test('a histogram of another layout is added by the library (no silent miscount)', () => {
  const into = newHistogram();
  const other = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1_000_000, numberOfSignificantValueDigits: 2, bitBucketSize: 32 });
  other.recordValue(5000);
  addRecorded(into, other);
  assert.equal(into.totalCount, 1);
  assert.ok(Math.abs(into.getValueAtPercentile(50) - 5000) <= 50);
});

/** Fails the test if `addRecorded` falls back to the library's add for `h`. */
const withoutLibraryAdd = (h: hdr.Histogram): hdr.Histogram => {
  h.add = () => assert.fail("the library's add was taken");
  return h;
};

for (const [into, from] of [['packed', 32], [32, 'packed'], ['packed', 'packed']] as const) {
  test(`${from === 32 ? 'typed' : 'packed'} into ${into === 32 ? 'typed' : 'packed'}: the recorded range gives exactly what the library add gives`, () => {
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const ours = withoutLibraryAdd(newHistogram(into));
    const theirs = newHistogram(into);
    for (let round = 0; round < 10; round++) {
      const part = newHistogram(from);
      for (let i = 0; i < 500; i++) part.recordValue(Math.max(1, Math.floor(rnd() ** 4 * (round % 3 === 0 ? 500_000_000 : 20_000))));
      if (round === 4) part.recordValue(0);
      addRecorded(ours, part);
      theirs.add(part);
      sameAs(ours, theirs);
    }
  });
}
