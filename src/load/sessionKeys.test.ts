import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyPatternParts, keyPatterns, oauthStateKey, refreshTokenKey, sessionKey, tokenFamilyKey, userSessionsKey } from './sessionKeys.js';

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
