import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endsSession, mixKeys, nextAction, replaysToken } from './sessionBehaviour.js';
import { op } from '../scenario.js';

const mix = (k: (typeof mixKeys)[number]) => () => mixKeys.indexOf(k);

test('a session logs out at the end of its lifetime, completes an OAuth flow it began, else draws from the mix', () => {
  assert.equal(nextAction({ endAt: 100, oauthNonce: 'n' }, 100, mix('request')), op.logout);
  assert.equal(nextAction({ endAt: 100, oauthNonce: 'n' }, 99, mix('request')), op.oauthComplete);
  assert.equal(nextAction({ endAt: 100, oauthNonce: null }, 99, mix('request')), op.request);
  assert.equal(nextAction({ endAt: 100, oauthNonce: null }, 99, mix('refresh')), op.refresh);
  assert.equal(nextAction({ endAt: 100, oauthNonce: null }, 99, mix('oauth')), op.oauthBegin);
  assert.equal(nextAction({ endAt: 100, oauthNonce: null }, 99, mix('revokeAll')), op.revokeAll);
});

test('what ends a session: logout as planned; revoke-all, a gone session or a rejected token as the app would', () => {
  assert.equal(endsSession(op.logout, 'ok', false), 'logged-out');
  assert.equal(endsSession(op.revokeAll, 'ok', true), 'replace', 'a revoke-all that errored may have run');
  for (const o of ['session-gone', 'token-reuse-revoked', 'token-rejected'] as const) assert.equal(endsSession(op.refresh, o, false), 'replace', o);
  assert.equal(endsSession(op.request, 'ok', false), 'no');
  assert.equal(endsSession(op.request, 'ok', true), 'no', 'an errored request does not end the session');
  assert.equal(endsSession(op.oauthComplete, 'oauth-state-missing', false), 'no');
});

test('a refresh replays the rotated token at the reuse rate, and only once a token was rotated', () => {
  assert.equal(replaysToken(0, 0.05, null), false);
  assert.equal(replaysToken(0, 0.05, 'old'), true);
  assert.equal(replaysToken(0.05, 0.05, 'old'), false);
});
