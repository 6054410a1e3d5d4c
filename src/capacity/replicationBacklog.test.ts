import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfo } from '../topology/replicationInfo.js';
import { backlogSizeBytes } from './replicationBacklog.js';

test('repl_backlog_size from INFO replication, bytes', () => {
  assert.equal(backlogSizeBytes(parseInfo('# Replication\r\nrole:master\r\nrepl_backlog_active:1\r\nrepl_backlog_size:67108864\r\n')), 67108864);
});

test('absent, zero or not a number: null (the sizing adds nothing)', () => {
  assert.equal(backlogSizeBytes(parseInfo('role:master\r\n')), null);
  assert.equal(backlogSizeBytes(parseInfo('repl_backlog_size:0\r\n')), null);
  assert.equal(backlogSizeBytes(parseInfo('repl_backlog_size:x\r\n')), null);
});
