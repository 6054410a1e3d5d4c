import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfo } from '../topology/replicationInfo.js';
import { usedMemoryLessBacklog } from './targetMemorySampler.js';

test('used_memory less a filled replication backlog: the 1 MB ring is not session memory', () => {
  const info = parseInfo('# Memory\r\nused_memory:3145728\r\nmem_replication_backlog:1048576\r\n');
  assert.equal(usedMemoryLessBacklog(info), 2097152);
});

test('no backlog field (no replica ever connected): used_memory as it is', () => {
  assert.equal(usedMemoryLessBacklog(parseInfo('used_memory:1000\r\n')), 1000);
});

test('no used_memory: not measured', () => {
  assert.equal(usedMemoryLessBacklog(parseInfo('mem_replication_backlog:10\r\n')), null);
});
