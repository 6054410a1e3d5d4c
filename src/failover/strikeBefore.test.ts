import { test } from 'node:test';
import assert from 'node:assert/strict';
import { strikeBefore } from './strikeBefore.js';

test('a switch is attributed to the latest strike at or before it, in whatever order the strikes are listed', () => {
  const strikes = [{ name: 'kill-master', atMs: 30_000 }, { name: 'master-latency', atMs: 10_000 }, { name: 'kill-replica', atMs: 50_000 }];
  assert.equal(strikeBefore(strikes, 34_000)?.name, 'kill-master');
  assert.equal(strikeBefore(strikes, 30_000)?.name, 'kill-master', 'at the strike itself');
  assert.equal(strikeBefore(strikes, 20_000)?.name, 'master-latency');
  assert.equal(strikeBefore(strikes, 5_000), undefined);
});
