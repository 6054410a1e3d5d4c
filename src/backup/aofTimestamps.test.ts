import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AofTimestampScanner, rdbCreatedAt } from './aofTimestamps.js';

const resp = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

test('finds the first and last annotation, however the file is cut into chunks, and never one inside a value', () => {
  const aof = Buffer.from(`#TS:1700000001\r\n${resp('SET', 'k', '\r\n#TS:1999999999\r\n')}${resp('SELECT', '0')}#TS:1700000005\r\n${resp('DEL', 'k')}`);
  for (const size of [1, 3, 7, 64, aof.length]) {
    const s = new AofTimestampScanner();
    for (let i = 0; i < aof.length; i += size) s.push(aof.subarray(i, i + size));
    assert.deepEqual([s.firstTs, s.lastTs], [1700000001, 1700000005], `chunks of ${size}`);
  }
  const none = new AofTimestampScanner();
  none.push(Buffer.from(resp('SET', 'a', 'b')));
  assert.deepEqual([none.firstTs, none.lastTs], [null, null]);
});

test('reads ctime from an RDB header (aux fields), and null from anything else', () => {
  const aux = (key: string, value: Buffer): Buffer => Buffer.concat([Buffer.from([0xfa, key.length]), Buffer.from(key), value]);
  const int32 = (n: number): Buffer => {
    const b = Buffer.alloc(5);
    b[0] = 0xc2;
    b.writeInt32LE(n, 1);
    return b;
  };
  const header = Buffer.concat([Buffer.from('REDIS0010'), aux('redis-ver', Buffer.from([6, ...Buffer.from('7.0.15')])), aux('redis-bits', Buffer.from([0xc0, 64])), aux('ctime', int32(1764441600)), Buffer.from([0xfe, 0])]);
  assert.equal(rdbCreatedAt(header), 1764441600);
  assert.equal(rdbCreatedAt(header.subarray(0, 30)), null);
  assert.equal(rdbCreatedAt(Buffer.from('*2\r\n$6\r\nSELECT\r\n')), null);
});
