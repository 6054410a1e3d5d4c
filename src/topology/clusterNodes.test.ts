import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ownerOf, parseClusterNodes, servesSlot, slotsIn, splitSlots } from './clusterNodes.js';

const sample = `6046316a 127.0.0.1:36304@36404 slave ac39d59a 0 1795982675195 0 connected
ac39d59a 127.0.0.1:36301@36401 master - 0 1795982674794 2 connected 5461-10922 [5461->-41ebb132]
027aa5b5 127.0.0.1:36300@36400 myself,master - 0 1795982674000 1 connected 0-5460
41ebb132 127.0.0.1:36302@36402 master,fail? - 1795982671000 1795982670000 3 disconnected 10923-16383 [5461-<-ac39d59a]
f47c334e 127.0.0.1:36303@36403 slave,fail 027aa5b5 0 1795982675596 1 disconnected
abcd 127.0.0.1:36399@36499,host-a handshake - 0 0 0 connected
`;

test('parses roles, addresses, bus ports, failure flags, slots and slot moves', () => {
  const nodes = parseClusterNodes(sample);
  assert.equal(nodes.length, 6);
  const [replica, m1, me, m3, failedReplica, joining] = nodes as [typeof nodes[number], typeof nodes[number], typeof nodes[number], typeof nodes[number], typeof nodes[number], typeof nodes[number]];
  assert.deepEqual([replica.role, replica.masterId, replica.address, replica.busPort], ['replica', 'ac39d59a', '127.0.0.1:36304', 36404]);
  assert.deepEqual(m1.slots, [[5461, 10922]]);
  assert.deepEqual(m1.migrating, [5461]);
  assert.deepEqual(m3.importing, [5461]);
  assert.equal(me.myself, true);
  assert.equal(m3.failing, 'pfail');
  assert.equal(m3.linkConnected, false);
  assert.equal(failedReplica.failing, 'fail');
  assert.equal(me.failing, null);
  assert.equal(joining.joining, true);
  assert.equal(joining.busPort, 36499);
  assert.equal(ownerOf(nodes, 5460)?.id, '027aa5b5');
  assert.equal(ownerOf(nodes, 16383)?.id, '41ebb132');
  assert.equal(slotsIn(nodes.flatMap((n) => n.slots)), 16384);
});

test('servesSlot includes both ends of a range and nothing between ranges', () => {
  const ranges: Array<[number, number]> = [[0, 10], [20, 20]];
  for (const slot of [0, 10, 20]) assert.equal(servesSlot(ranges, slot), true, `slot ${slot}`);
  for (const slot of [11, 19, 21]) assert.equal(servesSlot(ranges, slot), false, `slot ${slot}`);
  assert.equal(servesSlot([], 0), false);
});

test('splitSlots covers 0..16383 in contiguous ranges, as redis-cli does for 3 masters', () => {
  assert.deepEqual(splitSlots(3), [[0, 5460], [5461, 10922], [10923, 16383]]);
  for (const n of [1, 2, 5, 7]) {
    const r = splitSlots(n);
    assert.equal(r[0]![0], 0);
    assert.equal(r.at(-1)![1], 16383);
    for (let i = 1; i < r.length; i++) assert.equal(r[i]![0], r[i - 1]![1] + 1);
  }
});
