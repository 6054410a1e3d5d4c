import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupBySecond } from './groupBySecond.js';

test('groupBySecond: one group per second, seconds ascending, each group in the order given', () => {
  const items = [{ t: 2, v: 'a' }, { t: 0, v: 'b' }, { t: 2, v: 'c' }, { t: 1, v: 'd' }, { t: 0, v: 'e' }];
  assert.deepEqual(
    groupBySecond(items, (x) => x.t).map(([t, xs]) => [t, xs.map((x) => x.v)]),
    [[0, ['b', 'e']], [1, ['d']], [2, ['a', 'c']]],
  );
  assert.deepEqual(groupBySecond([], (x: { t: number }) => x.t), []);
});
