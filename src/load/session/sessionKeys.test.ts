import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { keyGlob, keyPatternParts, keyPatterns, keyPrefix, keyPrefixes, luaKey, type KeyName, oauthStateKey, refreshTokenKey, sessionKey, tokenFamilyKey, userSessionsKey } from './sessionKeys.js';

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

test('keyPrefix tells the kinds of keys apart, and keyGlob matches every key of its kind and no other', () => {
  const built: Record<KeyName, string> = { session: sessionKey('u1', 's9'), refreshToken: refreshTokenKey('u1', 'h'), tokenFamily: tokenFamilyKey('u1', 'f'), userSessions: userSessionsKey('u1'), oauthState: oauthStateKey('n') };
  assert.equal(keyPrefix('session'), 'sess:{');
  assert.equal(keyGlob('session'), 'sess:{*}:*');
  // Redis's glob: only * is special in these patterns.
  const matches = (glob: string, key: string): boolean => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(key);
  const names = Object.keys(built) as KeyName[];
  for (const name of names) {
    for (const other of names) {
      assert.equal(built[other].startsWith(keyPrefix(name)), name === other, `${built[other]} starts with ${keyPrefix(name)}`);
      assert.equal(matches(keyGlob(name), built[other]), name === other, `${keyGlob(name)} against ${built[other]}`);
    }
  }
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
