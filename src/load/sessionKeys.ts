/**
 * The key schema an auth service would use (design.md). `{uid}` is a hash tag: all of a user's
 * keys share one Cluster slot, so multi-key operations stay legal if the store moves to Cluster.
 *
 *   sess:{uid}:<sid>        hash  uid, fam, rt, v (version), created        TTL = session TTL (sliding)
 *   rt:{uid}:<token hash>   str   "<sid>|<family>|<generation>"            TTL = refresh-token TTL
 *   rtf:{uid}:<family>      hash  gen (current generation), state, sid      TTL = refresh-token TTL
 *   user:{uid}:sessions     set   sids                                       TTL = refresh-token TTL
 *   oauth:state:<nonce>     str   pending OAuth state, consumed with GETDEL  TTL = OAuth state TTL
 *
 * Rotated refresh tokens stay (until their TTL) so a replay is recognised as reuse.
 */
export const sessionKey = (uid: string, sid: string): string => `sess:{${uid}}:${sid}`;
export const refreshTokenKey = (uid: string, tokenHash: string): string => `rt:{${uid}}:${tokenHash}`;
export const tokenFamilyKey = (uid: string, family: string): string => `rtf:{${uid}}:${family}`;
export const userSessionsKey = (uid: string): string => `user:{${uid}}:sessions`;
export const oauthStateKey = (nonce: string): string => `oauth:state:${nonce}`;

