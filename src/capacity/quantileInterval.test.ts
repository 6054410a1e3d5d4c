import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minSamplesFor, quantilePrecision, quantileRankInterval } from './quantileInterval.js';

test('the p99 needs 1,000 samples before its interval is computed', () => {
  assert.equal(minSamplesFor(0.99), 1000);
  assert.equal(quantileRankInterval(999, 0.99), null);
  assert.notEqual(quantileRankInterval(1000, 0.99), null);
});

test('the rank interval brackets n·q and narrows, as a share of n, like 1/sqrt(n)', () => {
  const a = quantileRankInterval(10_000, 0.99)!;
  // 9,900 ± 1.96·sqrt(99) = ± 19.5
  assert.deepEqual(a, { lower: 9880, upper: 9921 });
  const b = quantileRankInterval(1_000_000, 0.99)!;
  assert.ok(b.lower < 990_000 && b.upper > 990_000);
  assert.ok((b.upper - b.lower) / 1e6 < (a.upper - a.lower) / 1e4 / 5);
});

test('the interval covers the true p99 about 95 % of the time (simulated exponential samples)', () => {
  let seed = 7;
  const rand = (): number => {
    // Park-Miller: deterministic, so the test cannot flake.
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const truth = -Math.log(0.01);
  let covered = 0;
  const trials = 400;
  for (let t = 0; t < trials; t++) {
    const xs = Array.from({ length: 2000 }, () => -Math.log(1 - rand())).sort((x, y) => x - y);
    const r = quantileRankInterval(xs.length, 0.99)!;
    if (xs[r.lower - 1]! <= truth && truth <= xs[r.upper - 1]!) covered++;
  }
  assert.ok(covered / trials > 0.92 && covered / trials < 0.99, `coverage ${covered / trials}`);
});

test('precision: a narrow tail is stable within ±5 %, a wide one is not, and too few samples never are', () => {
  // Uniform 1..n: values at ranks are the ranks; the p99 of 100,000 is 99,000 ± ~62 (0.06 %).
  const flat = quantilePrecision(100_000, 0.99, 0.05, (r) => r);
  assert.equal(flat.stable, true);
  assert.equal(flat.value, 99_000);
  assert.ok(flat.low < 99_000 && flat.high > 99_000);
  // A tail that doubles every few ranks around the p99: far from ±5 %.
  const steep = quantilePrecision(2000, 0.99, 0.05, (r) => 2 ** (r / 3));
  assert.equal(steep.stable, false);
  assert.ok(steep.relativeHalfWidth > 0.05);
  assert.equal(quantilePrecision(500, 0.99, 0.05, (r) => r).stable, false);
});
