import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointLead, type EndpointObservation } from './endpointLead.js';

const master = (address: string, replid: string | null = null): EndpointObservation => ({ address, role: 'master', replicaOf: null, replid });
const replica = (address: string, of: string): EndpointObservation => ({ address, role: 'replica', replicaOf: of, replid: null });
const down = (address: string): EndpointObservation => ({ address, role: 'unknown', replicaOf: null, replid: null });

test('the same master poll after poll, or a master that does not answer for a while, is no change', () => {
  const l = new EndpointLead();
  for (const [k, o] of [master('10.0.0.7:6379', 'aaaa'), master('10.0.0.7:6379', 'aaaa'), down('10.0.0.7:6379'), master('10.0.0.7:6379', 'aaaa'), master('10.0.0.7:6379', null)].entries()) {
    assert.equal(l.observe(o, k * 500), null);
  }
});

test('the endpoint turning into a replica (promoted elsewhere behind its back) is one change, and the master it then leads to is not a second', () => {
  const l = new EndpointLead();
  l.observe(master('127.0.0.1:7000', 'aaaa'), 0);
  const c = l.observe(replica('127.0.0.1:7000', '127.0.0.1:7001'), 500);
  assert.deepEqual(c, { atMs: 500, from: '127.0.0.1:7000 (replid aaaa)', to: '127.0.0.1:7000 (a replica of 127.0.0.1:7001)', seenBy: 'poll' });
  assert.equal(l.observe(replica('127.0.0.1:7000', '127.0.0.1:7001'), 1000), null);
  assert.equal(l.observe(master('127.0.0.1:7001', 'bbbb'), 1500), null);
  // ... and from there, the next failover counts again.
  assert.equal(l.observe(master('127.0.0.1:7002', 'cccc'), 2000)?.from, '127.0.0.1:7001 (replid bbbb)');
});

test('a DNS flip to another address is a change even before the new master answers; a new replication id at the same address is one too', () => {
  const dns = new EndpointLead();
  dns.observe(master('10.0.0.7:6379'), 0);
  assert.equal(dns.observe(down('10.0.0.8:6379'), 500)?.to, '10.0.0.8:6379');
  assert.equal(dns.observe(master('10.0.0.8:6379'), 1000), null);
  const replid = new EndpointLead();
  replid.observe(master('10.0.0.7:6379', 'aaaa'), 0);
  assert.deepEqual(replid.observe(master('10.0.0.7:6379', 'bbbb'), 500), { atMs: 500, from: '10.0.0.7:6379 (replid aaaa)', to: '10.0.0.7:6379 (replid bbbb)', seenBy: 'poll' });
});
