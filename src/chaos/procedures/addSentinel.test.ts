import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configForNewSentinel } from './addSentinel.js';

const running = `bind 127.0.0.1
port 39839
dir "/t/sentinel-0"
logfile "/t/sentinel-0/sentinel.log"
sentinel monitor gauntlet 127.0.0.1 36751 2
sentinel auth-pass gauntlet secret
sentinel myid 0070211e59935138f22f6681d2a1238fa6e606de
sentinel config-epoch gauntlet 3
sentinel current-epoch 3
sentinel known-sentinel gauntlet 127.0.0.1 34495 0e1f108f52cc185d2d5d7d359355d42c6ad72de6
sentinel known-replica gauntlet 127.0.0.1 41459
user admin on #abc ~* &* +@all`;

test('a new sentinel config keeps monitor, auth and users but not the source identity, peers or epochs', () => {
  const c = configForNewSentinel(running, { port: 40000, dir: '/t/added', logFile: '/t/added/sentinel.log' });
  assert.match(c, /^port 40000$/m);
  assert.match(c, /^dir "\/t\/added"$/m);
  assert.match(c, /^logfile "\/t\/added\/sentinel.log"$/m);
  assert.match(c, /^sentinel monitor gauntlet 127.0.0.1 36751 2$/m);
  assert.match(c, /^sentinel auth-pass gauntlet secret$/m);
  assert.match(c, /^user admin on #abc/m);
  assert.doesNotMatch(c, /myid|epoch|known-/);
});

test('under TLS the plaintext port stays 0 and the TLS port moves', () => {
  const c = configForNewSentinel('port 0\ntls-port 39839\ntls-cert-file /x.crt', { port: 40000, dir: '/d', logFile: '/d/l' });
  assert.match(c, /^port 0$/m);
  assert.match(c, /^tls-port 40000$/m);
});
