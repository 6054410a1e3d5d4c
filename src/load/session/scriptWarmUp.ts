import * as ops from './sessionOperations.js';
import type { SessionState, SessionStore, SessionTtls } from './sessionOperations.js';

/**
 * Not measured: a few rounds of every operation per client, so script loading (NOSCRIPT then
 * EVAL), connection set-up and JIT compilation do not land in the first second's percentiles.
 */
export async function warmUpScripts(stores: readonly SessionStore[], ttl: SessionTtls, newToken: () => string): Promise<void> {
  await Promise.all(
    stores.map(async (store, k) => {
      for (let round = 0; round < 20; round++) {
        const s: SessionState = { uid: `warmup${k}`, sid: `w${round}`, family: `fw${round}`, token: newToken(), previousToken: null, version: 0, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null };
        await ops.sendLogin(store, s, ttl, Date.now());
        ops.settleLogin(s);
        ops.settleRequest(s, await ops.sendRequest(store, s, ttl));
        const token = newToken();
        ops.settleRefresh(s, await ops.sendRefresh(store, s, ttl, token, false), token);
        const nonce = newToken();
        ops.settleOauthBegin(s, await ops.sendOauthBegin(store, s, ttl, nonce), nonce);
        ops.settleOauthComplete(s, await ops.sendOauthComplete(store, s), false);
        await ops.sendLogout(store, s);
      }
      await ops.sendRevokeAll(store, { uid: `warmup${k}`, sid: 'w', family: 'f', token: '', previousToken: null, version: 0, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null });
    }),
  );
}
