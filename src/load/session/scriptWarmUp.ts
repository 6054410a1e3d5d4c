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
        await ops.login(store, s, ttl, Date.now());
        await ops.request(store, s, ttl);
        await ops.refresh(store, s, ttl, newToken(), false);
        await ops.oauthBegin(store, s, ttl, newToken());
        await ops.oauthComplete(store, s);
        await ops.logout(store, s);
      }
      await ops.revokeAll(store, { uid: `warmup${k}`, sid: 'w', family: 'f', token: '', previousToken: null, version: 0, oauthNonce: null, consumedNonce: null, lastRead: null, revoked: null });
    }),
  );
}
