import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupTextfile } from './backupMetrics.js';

test('the textfile carries the last success time the backup alert reads, and leaves out what is unknown', () => {
  const text = backupTextfile({ node: 'redis-0', lastSuccess: 1764441600, lastSnapshot: null, lastFailure: null, failuresInARow: 0, archivedFiles: 4 });
  assert.match(text, /^gauntlet_backup_last_success_timestamp_seconds\{node="redis-0"\} 1764441600$/m);
  assert.match(text, /^# TYPE gauntlet_backup_last_success_timestamp_seconds gauge$/m);
  assert.doesNotMatch(text, /last_snapshot/);
  assert.match(backupTextfile({ node: 'a"b', lastSuccess: null, lastSnapshot: null, lastFailure: 5, failuresInARow: 2, archivedFiles: 0 }), /failures_in_a_row\{node="a_b"\} 2/);
});
