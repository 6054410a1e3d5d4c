import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { keyPatternParts, keyPatterns, keyPrefixes, luaKey, oauthStateKey, refreshTokenKey, sessionKey, tokenFamilyKey, userSessionsKey } from './sessionKeys.js';

test('the builders write the documented keys (the schema a store already holds must not change)', () => {
  assert.equal(sessionKey('u1', 's9'), 'sess:{u1}:s9');
  assert.equal(refreshTokenKey('u1', 'h'), 'rt:{u1}:h');
  assert.equal(tokenFamilyKey('u1', 'f'), 'rtf:{u1}:f');
  assert.equal(userSessionsKey('u1'), 'user:{u1}:sessions');
  assert.equal(oauthStateKey('n'), 'oauth:state:n');
});

test('keyPatternParts splits a pattern into literals and parameters in order; the hash-tag braces stay literal', () => {
  assert.deepEqual(keyPatternParts(keyPatterns.session), { literals: ['sess:{', '}:', ''], params: ['uid', 'sid'] });
  assert.deepEqual(keyPatternParts(keyPatterns.userSessions), { literals: ['user:{', '}:sessions'], params: ['uid'] });
  assert.deepEqual(keyPatternParts('plain'), { literals: ['plain'], params: [] });
});

test('Lua expressions of a key are the same schema', () => {
  assert.equal(luaKey('session', 'ARGV[1]', 'sid'), "'sess:{' .. ARGV[1] .. '}:' .. sid");
  assert.equal(luaKey('tokenFamily', 'ARGV[1]', 'fam'), "'rtf:{' .. ARGV[1] .. '}:' .. fam");
});

test("the app user's ACL allows every key prefix of the schema", async () => {
  const acl = await readFile(new URL('../../../compose/users.acl.tmpl', import.meta.url), 'utf8');
  const app = acl.split('\n').find((l) => l.startsWith('user app '))!;
  const allowed = [...app.matchAll(/~(\S*)\*/g)].map((m) => m[1]!);
  for (const prefix of keyPrefixes) assert.ok(allowed.some((a) => prefix.startsWith(a)), `a key pattern in the app ACL covers ${prefix}`);
});
