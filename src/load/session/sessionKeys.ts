/**
 * The key schema an auth service would use, and the one place it is spelled: the session
 * operations (and their Lua scripts), the ledger, its verification and the tests import it, so
 * a change here cannot make every write look lost. `{uid}` is a hash tag: all of a user's keys
 * share one Cluster slot, so multi-key operations stay legal if the store moves to Cluster.
 *
 *   sess:{uid}:<sid>        hash  uid, fam, rt, v (version), created        TTL = session TTL (sliding)
 *   rt:{uid}:<token hash>   str   "<sid>|<family>|<generation>"            TTL = refresh-token TTL
 *   rtf:{uid}:<family>      hash  gen (current generation), state, sid      TTL = refresh-token TTL
 *   user:{uid}:sessions     set   sids                                       TTL = refresh-token TTL
 *   oauth:state:<nonce>     str   pending OAuth state, consumed with GETDEL  TTL = OAuth state TTL
 *
 * Rotated refresh tokens stay (until their TTL) so a replay is recognised as reuse.
 */

/** Key prefixes, in the order of the table above; the app ACL (compose/users.acl.tmpl) must allow each. */
export const keyPrefixes = { session: 'sess:', refreshToken: 'rt:', tokenFamily: 'rtf:', userSessions: 'user:', oauthState: 'oauth:state:' } as const;

const userScoped = (prefix: string, uid: string, rest: string): string => `${prefix}{${uid}}:${rest}`;

export const sessionKey = (uid: string, sid: string): string => userScoped(keyPrefixes.session, uid, sid);
export const refreshTokenKey = (uid: string, tokenHash: string): string => userScoped(keyPrefixes.refreshToken, uid, tokenHash);
export const tokenFamilyKey = (uid: string, family: string): string => userScoped(keyPrefixes.tokenFamily, uid, family);
export const userSessionsKey = (uid: string): string => userScoped(keyPrefixes.userSessions, uid, 'sessions');
export const oauthStateKey = (nonce: string): string => `${keyPrefixes.oauthState}${nonce}`;

/**
 * The same keys as Lua expressions, for scripts that derive a key inside Redis (revoke-all walks
 * the user's session set): `uid` and `id` are Lua expressions, e.g. `ARGV[1]` and `sid`.
 */
export const luaSessionKey = (uid: string, id: string): string => `'${keyPrefixes.session}{' .. ${uid} .. '}:' .. ${id}`;
export const luaTokenFamilyKey = (uid: string, id: string): string => `'${keyPrefixes.tokenFamily}{' .. ${uid} .. '}:' .. ${id}`;
