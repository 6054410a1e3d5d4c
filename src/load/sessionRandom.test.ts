import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomSource } from './randomSource.js';
import { seedOf, SessionRandom, SessionSeeds } from './sessionRandom.js';

const draws = (r: RandomSource, n: number) => Array.from({ length: n }, () => r.next());

test('a session stream is fixed by its seed, in [0, 1) and evenly spread', () => {
  assert.deepEqual(draws(new SessionRandom(7), 50), draws(new SessionRandom(7), 50));
  assert.notDeepEqual(draws(new SessionRandom(7), 50), draws(new SessionRandom(8), 50));
  const xs = draws(new SessionRandom(seedOf(1, 2, 3)), 100_000);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  const deciles = new Array(10).fill(0);
  for (const x of xs) deciles[Math.floor(x * 10)]++;
  for (const d of deciles) assert.ok(Math.abs(d - 10_000) < 500, `deciles ${deciles}`);
});

test('draws at send time leave the schedule draws alone, whenever they are made, and differ from them', () => {
  const alone = new SessionRandom(7);
  const interleaved = new SessionRandom(7);
  const atSend: number[] = [];
  const schedule: number[] = [];
  for (let i = 0; i < 50; i++) {
    if (i % 3 === 0) atSend.push(interleaved.nextAtSend());
    schedule.push(interleaved.next());
  }
  assert.deepEqual(schedule, draws(alone, 50));
  const sendOnly = new SessionRandom(7);
  assert.deepEqual(atSend, Array.from({ length: atSend.length }, () => sendOnly.nextAtSend()));
  assert.ok(!atSend.some((x) => schedule.includes(x)));
  assert.ok(atSend.every((x) => x >= 0 && x < 1));
});

test('sessions of a run never repeat each other\'s draws: no two of 20,000 share a pair of consecutive draws (a token)', () => {
  const seeds = new SessionSeeds(42, { index: 0, count: 1 });
  const pairs = new Set<string>();
  for (let k = 1; k <= 20_000; k++) {
    const r = new SessionRandom(seeds.planned(0, k));
    const d = draws(r, 40);
    for (let i = 0; i + 1 < d.length; i += 2) pairs.add(`${d[i]},${d[i + 1]}`);
  }
  assert.equal(pairs.size, 20_000 * 20);
});

test('a shifted copy would be caught: mulberry32 streams from seeds one step apart repeat each other', () => {
  const a = draws(new RandomSource(1000), 10);
  const b = draws(new RandomSource((1000 + 0x6d2b79f5) >>> 0), 9);
  assert.deepEqual(a.slice(1), b);
});

test('seeds name a session by its place in the schedule, not by the partition that runs it', () => {
  const a = new SessionSeeds(42, { index: 0, count: 1 });
  const b = new SessionSeeds(42, { index: 1, count: 3 });
  assert.equal(a.planned(0, 17), b.planned(0, 17));
  assert.equal(a.arrival(2, 5), b.arrival(2, 5));
  assert.equal(a.successor(99), b.successor(99));
  assert.notEqual(a.unplanned(0, 1), b.unplanned(0, 1));
  assert.notEqual(a.planned(0, 17), new SessionSeeds(43, { index: 0, count: 1 }).planned(0, 17));
});
