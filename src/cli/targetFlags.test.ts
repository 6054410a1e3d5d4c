import { test } from 'node:test';
import assert from 'node:assert/strict';
import { externalTargetSchema } from '../target/externalTargetFile.js';
import { targetFromFlags } from './targetFlags.js';

test('without target flags the --target value passes through (undefined: embedded)', () => {
  assert.equal(targetFromFlags({ sentinel: [] }), undefined);
  assert.equal(targetFromFlags({ sentinel: [], target: 'detached' }), 'detached');
});

test('target flags build the spec a target file holds, and the file schema accepts it', () => {
  const endpoint = targetFromFlags({ sentinel: [], endpoint: { host: '10.0.0.7', port: 6379 }, user: 'app', tokenEnv: 'TOKEN', cacert: 'ca.pem' });
  assert.ok(endpoint && typeof endpoint === 'object');
  assert.deepEqual(endpoint.spec, { endpoint: { host: '10.0.0.7', port: 6379 }, username: 'app', tokenEnv: 'TOKEN', tls: { caFile: 'ca.pem' } });
  assert.equal(externalTargetSchema.safeParse(endpoint.spec).success, true);
  const sentinels = targetFromFlags({ sentinel: [{ host: 'a', port: 26379 }, { host: 'b', port: 26379 }], masterName: 'sessions', user: 'app', passwordEnv: 'PW', sentinelPasswordEnv: 'SPW' });
  assert.ok(sentinels && typeof sentinels === 'object');
  assert.deepEqual(sentinels.spec, { sentinels: [{ host: 'a', port: 26379 }, { host: 'b', port: 26379 }], masterName: 'sessions', username: 'app', passwordEnv: 'PW', sentinelPasswordEnv: 'SPW' });
  assert.equal(externalTargetSchema.safeParse(sentinels.spec).success, true);
  assert.equal(sentinels.flags.passwordEnv, '--password-env', 'mistakes found later name the flag');
});

test('a combination that cannot mean anything is refused, naming the flags', () => {
  const refuses = (f: Parameters<typeof targetFromFlags>[0], says: RegExp): void => assert.throws(() => targetFromFlags(f), says);
  refuses({ sentinel: [], target: 'x.json', endpoint: { host: 'h', port: 1 } }, /--target x\.json and --endpoint both name a target/);
  refuses({ sentinel: [{ host: 'h', port: 1 }], user: 'app', passwordEnv: 'PW' }, /--sentinel needs --master-name/);
  refuses({ sentinel: [], masterName: 'm' }, /--master-name describes an external target/);
  refuses({ sentinel: [], endpoint: { host: 'h', port: 1 }, user: 'app' }, /needs --password-env VAR/);
});
