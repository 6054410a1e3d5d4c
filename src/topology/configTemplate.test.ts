import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, renderComposeFile } from './configTemplate.js';

test('fills every placeholder', () => {
  assert.equal(renderTemplate('port ${PORT}\ndir ${DIR}', { PORT: 7000, DIR: '/x' }), 'port 7000\ndir /x');
});

test('refuses a placeholder without a value', () => {
  assert.throws(() => renderTemplate('port ${PORT}', {}), /no value for PORT/);
});

test('refuses a value the template does not use', () => {
  assert.throws(() => renderTemplate('port ${PORT}', { PORT: 1, EXTRA: 2 }), /not used.*EXTRA/);
});

test('refuses a value that would inject another config line', () => {
  assert.throws(() => renderTemplate('masterauth ${P}', { P: 'x\nslaveof evil 1' }), /newline/);
});

test('the reference ACL file turns the default user off', async () => {
  const acl = await renderComposeFile('users.acl.tmpl', {
    ADMIN_PASSWORD: 'a', REPLICATION_PASSWORD: 'r', SENTINEL_PASSWORD: 's', MONITORING_PASSWORD: 'm', APP_PASSWORD: 'p', BACKUP_PASSWORD: 'b',
  });
  assert.match(acl, /^user default off/m);
  const app = acl.split('\n').find((l) => l.startsWith('user app '));
  assert.ok(app);
  for (const forbidden of ['+flushall', '+config', '+keys', '+debug', '+@all', '~*']) assert.ok(!app.includes(forbidden), forbidden);
});

test('compose/render.sh (docker-compose) renders the same text as the embedded topology', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { composeDir } = await import('./configTemplate.js');
  const values = {
    BIND: '127.0.0.1', PORT: 7000, DATA_DIR: '/data', LOG_FILE: '/data/redis.log', ANNOUNCE_IP: '127.0.0.1', ANNOUNCE_PORT: 7001,
    REPLICATION_PASSWORD: 'p&w/d\\1', ACL_FILE: '/data/users.acl', MAXMEMORY: '1gb', MIN_REPLICAS_TO_WRITE: 1, MIN_REPLICAS_MAX_LAG: 10,
  };
  const dir = mkdtempSync(join(tmpdir(), 'render-'));
  const out = join(dir, 'redis.conf');
  try {
    execFileSync('sh', [join(composeDir, 'render.sh'), join(composeDir, 'redis.conf.tmpl'), out], { env: { ...process.env, ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])) } });
    assert.equal(readFileSync(out, 'utf8').trimEnd(), (await renderComposeFile('redis.conf.tmpl', values)).trimEnd());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
