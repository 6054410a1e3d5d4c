import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { keySlot, prefixedSlot } from './hashSlot.js';

const reference = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

test('keySlot agrees with cluster-key-slot (what ioredis routes by) on random and tagged keys', () => {
  const keys = ['', 'a', '123456789', 'foo{}bar', 'foo{{bar}}zap', '{user1000}.following', 'sess:{u1a2}:x.1f', 'über{ü}', 'x{'];
  for (let i = 0; i < 2000; i++) {
    const body = randomBytes(1 + (i % 24)).toString('base64url');
    keys.push(body, `sess:{${body}}:${i}`, `a{b${body}`, `{${body}}`);
  }
  for (const k of keys) assert.equal(keySlot(k), reference(k), k);
});

test('a known slot: "123456789" hashes to 0x31C3 (CRC16/XMODEM), slot 12739', () => {
  assert.equal(keySlot('123456789'), 0x31c3 & 16383);
});

test('prefixedSlot gives the slot of prefix + suffix without building the key', () => {
  const nonce = prefixedSlot('oauth:state:');
  for (let i = 0; i < 500; i++) {
    const s = randomBytes(12).toString('base64url');
    assert.equal(nonce(s), reference(`oauth:state:${s}`));
  }
  assert.equal(nonce('a{tag}b'), reference('oauth:state:a{tag}b'));
  assert.throws(() => prefixedSlot('x{'), /hash tag/);
});
