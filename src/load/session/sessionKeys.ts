/**
 * The key schema an auth service would use, and the one place it is spelled: the session
 * operations (and their Lua scripts), the ledger, its verification, the k6 export and the tests
 * all build keys from it, so a change here cannot make every write look lost. `{uid}` is a hash
 * tag: all of a user's keys share one Cluster slot, so multi-key operations stay legal if the
 * store moves to Cluster.
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
 * The schema as data: `<name>` is a parameter, in the order the builder takes it. The builders
 * below, the Lua expressions and the k6 export (src/export/k6Script.ts) are all made from these.
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

/** Two-parameter builders are the hot ones (several per operation): plain concatenation, no loop. */
function builder2(pattern: string): (a: string, b: string) => string {
  const [l0, l1, l2] = keyPatternParts(pattern).literals as [string, string, string];
  return (a, b) => l0 + a + l1 + b + l2;
}

function builder1(pattern: string): (a: string) => string {
  const [l0, l1] = keyPatternParts(pattern).literals as [string, string];
  return (a) => l0 + a + l1;
}

export const sessionKey: (uid: string, sid: string) => string = builder2(keyPatterns.session);
export const refreshTokenKey: (uid: string, tokenHash: string) => string = builder2(keyPatterns.refreshToken);
export const tokenFamilyKey: (uid: string, family: string) => string = builder2(keyPatterns.tokenFamily);
export const userSessionsKey: (uid: string) => string = builder1(keyPatterns.userSessions);
export const oauthStateKey: (nonce: string) => string = builder1(keyPatterns.oauthState);

/** A key as a Lua expression, for scripts that derive a key inside Redis: `args` are Lua expressions. */
export function luaKey(name: KeyName, ...args: string[]): string {
  const { literals } = keyPatternParts(keyPatterns[name]);
  const parts: string[] = [];
  literals.forEach((lit, i) => {
    if (lit) parts.push(`'${lit}'`);
    if (i < args.length) parts.push(args[i]!);
  });
  return parts.join(' .. ');
}

/** What every key of one kind starts with, up to its first parameter (`sess:{`): no kind's prefix starts another's, so it tells the kinds apart. */
export function keyPrefix(name: KeyName): string {
  return keyPatternParts(keyPatterns[name]).literals[0]!;
}

/** A SCAN MATCH pattern for every key of one kind: each parameter becomes `*` (braces are literal in Redis globs). */
export function keyGlob(name: KeyName): string {
  return keyPatterns[name].replace(/<\w+>/g, '*');
}

/** The prefixes every key starts with: the app ACL (compose/users.acl.tmpl) must allow each. */
export const keyPrefixes = Object.values(keyPatterns).map((p) => p.slice(0, p.search(/[{<]/)));
