import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInfo, replicasFromInfo, fieldsOf } from './replicationInfo.js';

test('reads replicas and their state from INFO replication', () => {
  const info = parseInfo('# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=4001,state=online,offset=10,lag=0\r\nslave1:ip=127.0.0.1,port=4002,state=wait_bgsave,offset=0,lag=1\r\n');
  assert.equal(info.get('role'), 'master');
  assert.deepEqual(replicasFromInfo(info).map((r) => [r.port, r.state]), [[4001, 'online'], [4002, 'wait_bgsave']]);
});

test('normalises flat arrays and maps from SENTINEL replies', () => {
  assert.equal(fieldsOf(['num-slaves', '2', 'flags', 'master']).get('num-slaves'), '2');
  assert.equal(fieldsOf({ 'num-other-sentinels': 2 }).get('num-other-sentinels'), '2');
});
