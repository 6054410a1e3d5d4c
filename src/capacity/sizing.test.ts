import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSizingInput, medianBytesPerSession, sizingInputSchema, sizingTable, smallestFitting } from './sizing.js';

const GiB = 2 ** 30;

test('sessions -> Redis memory -> maxmemory (25 % headroom) -> node memory, self-managed (fork reserve 100 %) and ElastiCache (25 % reserved)', () => {
  const [row] = sizingTable({ bytesPerSession: 1000, baseBytes: 1_000_000, ratePerSession: 0.126, capacityRate: 10_000 }, defaultSizingInput, [50_000]);
  assert.equal(row!.redisBytes, 51_000_000);
  assert.equal(row!.maxmemoryBytes, 68_000_000);
  assert.equal(row!.selfManaged.nodeBytes, 136_000_000);
  assert.ok(Math.abs(row!.elasticache.nodeBytes - 90_666_666.67) < 1);
  assert.ok(Math.abs(row!.opsPerSecond - 6300) < 1e-9);
  assert.equal(row!.withinCapacity, true);
  assert.equal(row!.selfManaged.instance, null);
});

test('the user\'s sizes: the smallest that fits, with its price per hour and month; none when all are too small', () => {
  const input = sizingInputSchema.parse({
    headroomPct: 0,
    selfManagedForkReservePct: 0,
    elasticacheReservedPct: 0,
    instances: { elasticache: [{ name: 'big', memoryGiB: 8, pricePerHour: 2 }, { name: 'small', memoryGiB: 1, pricePerHour: 0.5 }, { name: 'mid', memoryGiB: 4 }] },
  });
  const rows = sizingTable({ bytesPerSession: GiB / 1000, baseBytes: 0, ratePerSession: 1, capacityRate: 500 }, input, [900, 3000, 20_000]);
  assert.deepEqual(rows.map((r) => r.elasticache.instance?.name ?? null), ['small', 'mid', null]);
  assert.deepEqual(rows[0]!.elasticache.instance, { name: 'small', memoryGiB: 1, pricePerHour: 0.5, pricePerMonth: 365 });
  assert.equal(rows[1]!.elasticache.instance!.pricePerMonth, null);
  assert.deepEqual(rows.map((r) => r.withinCapacity), [false, false, false]);
  assert.equal(smallestFitting([], 1), null);
});

test('the sessions at the capacity, rounded to whole ones, are within it; one session more than that rate is not', () => {
  // Measured on steady-50k (1/8 s + 1/30 min per session): capacity 3,375 ops/s is 26,881 sessions, 3,375.06 ops/s.
  const f = { bytesPerSession: 1000, baseBytes: 0, ratePerSession: 1 / 8 + 1 / 1800, capacityRate: 3375 };
  assert.deepEqual(sizingTable(f, defaultSizingInput, [26_881, 26_882]).map((r) => r.withinCapacity), [true, false]);
});

test('not measured, no table; no capacity, capacity unknown', () => {
  assert.deepEqual(sizingTable({ bytesPerSession: null, baseBytes: 0, ratePerSession: 1, capacityRate: 1 }, defaultSizingInput, [1]), []);
  assert.equal(sizingTable({ bytesPerSession: 1, baseBytes: 0, ratePerSession: 1, capacityRate: null }, defaultSizingInput, [1])[0]!.withinCapacity, null);
});

test('memory per session: the median of steps with at least 1,000 sessions, else of all measured ones', () => {
  assert.equal(medianBytesPerSession([{ bytesPerSession: 5000, sessions: 100 }, { bytesPerSession: 900, sessions: 2000 }, { bytesPerSession: 1100, sessions: 4000 }, { bytesPerSession: null, sessions: 8000 }]), 1000);
  assert.equal(medianBytesPerSession([{ bytesPerSession: 5000, sessions: 100 }, { bytesPerSession: 700, sessions: 200 }, { bytesPerSession: 800, sessions: 300 }]), 800);
  assert.equal(medianBytesPerSession([{ bytesPerSession: null, sessions: 100 }]), null);
});

test('a sizing file with an unknown field or a headroom of 100 % is refused', () => {
  assert.equal(sizingInputSchema.safeParse({ headroom: 25 }).success, false);
  assert.equal(sizingInputSchema.safeParse({ headroomPct: 100 }).success, false);
  assert.equal(sizingInputSchema.safeParse({ instances: { elasticache: [{ name: 'x', memoryGiB: -1 }] } }).success, false);
});
