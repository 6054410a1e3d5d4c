import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisVersion, isSupportedRedis } from './prerequisites.js';

test('reads the version from redis-server --version', () => {
  assert.equal(parseRedisVersion('Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64'), '7.0.15');
  assert.equal(parseRedisVersion('something else'), undefined);
});

test('refuses Redis older than 7.0', () => {
  assert.equal(isSupportedRedis('6.2.14'), false);
  assert.equal(isSupportedRedis('7.0.0'), true);
  assert.equal(isSupportedRedis('7.2.4'), true);
});
