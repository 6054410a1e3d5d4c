import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionsBy } from './clientList.js';

const list = [
  'id=3 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=8 name=gauntlet-app-0 age=9 idle=0 flags=N db=0 user=app',
  'id=7 addr=127.0.0.1:5001 laddr=127.0.0.1:6379 fd=9 name=leaky-worker age=1 idle=1 flags=N db=0 user=app',
  'id=8 addr=127.0.0.1:5002 laddr=127.0.0.1:6379 fd=10 name=leaky-worker age=1 idle=1 flags=N db=0 user=app',
  'id=9 addr=127.0.0.1:5003 laddr=127.0.0.1:6379 fd=11 name= age=1 idle=1 flags=S db=0 user=replicator',
  '',
].join('\n');

test('CLIENT LIST lines are grouped by connection name, unnamed ones together', () => {
  const g = connectionsBy(list, 'name');
  assert.deepEqual(g.get('leaky-worker'), ['7', '8']);
  assert.deepEqual(g.get('gauntlet-app-0'), ['3']);
  assert.deepEqual(g.get('(unnamed)'), ['9']);
});

test('CLIENT LIST lines are grouped by ACL user', () => {
  const g = connectionsBy(list, 'user');
  assert.deepEqual(g.get('app'), ['3', '7', '8']);
  assert.deepEqual(g.get('replicator'), ['9']);
  assert.equal(g.get('name'), undefined);
});
