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
    ADMIN_PASSWORD: 'a', REPLICATION_PASSWORD: 'r', SENTINEL_PASSWORD: 's', MONITORING_PASSWORD: 'm', APP_PASSWORD: 'p',
  });
  assert.match(acl, /^user default off/m);
  const app = acl.split('\n').find((l) => l.startsWith('user app '));
  assert.ok(app);
  for (const forbidden of ['+flushall', '+config', '+keys', '+debug', '+@all', '~*']) assert.ok(!app.includes(forbidden), forbidden);
});
