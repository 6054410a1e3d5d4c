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

/**
 * The same schema as data: `<name>` is a parameter, in the order the builder takes it. The
 * builders below and the k6 export (src/export/k6Script.ts) are both made from these patterns,
 * so the two cannot drift apart.
 */
export const keyPatterns = {
  session: 'sess:{<uid>}:<sid>',
  refreshToken: 'rt:{<uid>}:<tokenHash>',
  tokenFamily: 'rtf:{<uid>}:<family>',
  userSessions: 'user:{<uid>}:sessions',
  oauthState: 'oauth:state:<nonce>',
} as const;

export type KeyName = keyof typeof keyPatterns;

/** A pattern split into literal text and parameters: literals[0] + p0 + literals[1] + p1 + ... + literals[n]. */
export interface KeyPatternParts {
  literals: string[];
  params: string[];
}

export function keyPatternParts(pattern: string): KeyPatternParts {
  const literals: string[] = [];
  const params: string[] = [];
  let rest = pattern;
  for (let m = /<(\w+)>/.exec(rest); m; m = /<(\w+)>/.exec(rest)) {
    literals.push(rest.slice(0, m.index));
    params.push(m[1]!);
    rest = rest.slice(m.index + m[0].length);
  }
  literals.push(rest);
  return { literals, params };
}

function keyBuilder(pattern: string): (...args: string[]) => string {
  const { literals } = keyPatternParts(pattern);
  return (...args) => {
    let key = literals[0]!;
    for (let i = 0; i < args.length; i++) key += args[i]! + literals[i + 1]!;
    return key;
  };
}

export const sessionKey: (uid: string, sid: string) => string = keyBuilder(keyPatterns.session);
export const refreshTokenKey: (uid: string, tokenHash: string) => string = keyBuilder(keyPatterns.refreshToken);
export const tokenFamilyKey: (uid: string, family: string) => string = keyBuilder(keyPatterns.tokenFamily);
export const userSessionsKey: (uid: string) => string = keyBuilder(keyPatterns.userSessions);
export const oauthStateKey: (nonce: string) => string = keyBuilder(keyPatterns.oauthState);
