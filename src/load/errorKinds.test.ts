import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyError } from './errorKinds.js';

test('names the error kinds a failover produces', () => {
  assert.equal(classifyError(new Error('Command timed out')), 'timeout');
  assert.equal(classifyError(new Error("READONLY You can't write against a read only replica.")), 'readonly');
  assert.equal(classifyError(new Error('Connection is closed.')), 'connection');
  assert.equal(classifyError(new Error('Reached the max retries per request limit (which is 2).')), 'connection');
  assert.equal(classifyError(new Error('NOREPLICAS Not enough good replicas to write.')), 'noreplicas');
  assert.equal(classifyError(new Error('ERR something')), 'other');
});
