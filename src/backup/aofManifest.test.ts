import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAofManifest, manifestArchiveName, parseAofManifest } from './aofManifest.js';

const duringRewrite = 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n';

test('a Redis 7 manifest parses and formats back to the same text', () => {
  const entries = parseAofManifest(duringRewrite);
  assert.deepEqual(entries.map((e) => `${e.type}:${e.seq}`), ['base:1', 'incr:1', 'incr:2']);
  assert.equal(formatAofManifest(entries), duringRewrite);
  assert.equal(manifestArchiveName(entries), 'b1-i2.manifest');
  assert.deepEqual(parseAofManifest('file appendonly.aof.1.base.rdb seq 1 type h\n').map((e) => e.type), ['history']);
});

test('a line that is not a manifest line names the file and the line', () => {
  assert.throws(() => parseAofManifest('file a seq 1 type b\nfile b seq x type i\n', 'm'), /m:2: not a manifest line/);
});
