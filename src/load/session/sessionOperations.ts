import type { Cluster, Redis } from 'ioredis';
import { luaKey, oauthStateKey, refreshTokenKey, sessionKey, tokenFamilyKey, userSessionsKey } from './sessionKeys.js';

/**
 * Session operations as the auth service issues them. Each multi-key operation is one Lua
 * script: atomic like MULTI/EXEC, but one command on the wire instead of n+2, which halves the
 * client CPU per operation (measured: docs/client-settings.md) and is what a careful auth
 * service would ship. Each is measured as one session operation. The script texts are exported:
 * the k6 export (src/export/k6Script.ts) sends the same ones.
 */

/** State the generator keeps per simulated session (kept small: 50,000+ of these live at once). */
export interface SessionState {
  uid: string;
  sid: string;
  family: string;
  /** Hash of the current refresh token, and of the one it replaced (a stolen-token replay uses it). */
  token: string;
  previousToken: string | null;
  /** Session version as last acknowledged (HINCRBY on each rotation). */
  version: number;
  oauthNonce: string | null;
  /**
   * The nonce the last OAuth callback presented (what the ledger marks consumed). This and the
   * two below are set from the start, never added later: a field added after creation gives each
   * session the shape of its own history, and 50,000 sessions of dozens of shapes made every
   * scheduler access megamorphic (and allocate a number box per read of `at`).
   */
  consumedNonce: string | null;
  /** Version the last request read (for stale-read detection), and sids the last revoke-all ended. */
  lastRead: number | null;
  revoked: string[] | null;
}

export interface SessionTtls {
  sessionS: number;
  refreshTokenS: number;
  oauthStateS: number;
}

/** What an operation found, beyond success: the generator reacts to these like an app would. */
/**
 * 'oauth-state-lost': the callback found no state on the connection it was sent on (no reconnect
 * between its send and its reply, so no resent GETDEL consumed it first): the begun flow's state
 * was lost or expired. 'oauth-state-missing': found none, or another's, where that cannot be told.
 */
export type OperationOutcome = 'ok' | 'session-gone' | 'token-reuse-revoked' | 'token-rejected' | 'oauth-state-missing' | 'oauth-state-lost';

/** KEYS: session, token, family, user's sessions. ARGV: uid, sid, family, token hash, session TTL, rt TTL, now. */
export const loginScript = `
redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'fam', ARGV[3], 'rt', ARGV[4], 'v', 1, 'created', ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[2] .. '|' .. ARGV[3] .. '|1', 'EX', ARGV[6])
redis.call('HSET', KEYS[3], 'gen', 1, 'state', 'active', 'sid', ARGV[2])
redis.call('EXPIRE', KEYS[3], ARGV[6])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('EXPIRE', KEYS[4], ARGV[6])
return 1
`;

/** Read the session and slide its expiry. KEYS: session. ARGV: session TTL. Returns its version or nil. */
export const touchScript = `
local v = redis.call('HGET', KEYS[1], 'v')
if v then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return v
`;

/**
 * KEYS: session, family, user's sessions. ARGV: sid. Returns 0 when the session was already gone
 * and its family not revoked: no end ran (every end deletes the session and revokes its family in
 * one script, so a logout resent after a reconnect, or a sibling's revoke-all, finds the family
 * revoked), so the session expired or was lost. Else 1.
 */
export const logoutScript = `
local deleted = redis.call('DEL', KEYS[1])
local was = redis.call('HGET', KEYS[2], 'state')
redis.call('HSET', KEYS[2], 'state', 'revoked')
redis.call('SREM', KEYS[3], ARGV[1])
if deleted == 1 or was == 'revoked' then return 1 end
return 0
`;

/**
 * Rotation with reuse detection: a token whose generation is behind its family's is a replay of
 * a rotated token, so the whole family and its session are revoked (OAuth 2.0 Security BCP).
 * KEYS: presented token, family, session, new token, user's session set. ARGV: rt TTL, new hash, sid.
 */
export const rotateScript = `
local cur = redis.call('GET', KEYS[1])
if not cur then return {'rejected'} end
local sid, fam, gen = string.match(cur, '([^|]+)|([^|]+)|(%d+)')
local f = redis.call('HMGET', KEYS[2], 'gen', 'state')
if (not f[1]) or f[2] ~= 'active' then return {'rejected'} end
if tonumber(gen) ~= tonumber(f[1]) then
  redis.call('HSET', KEYS[2], 'state', 'revoked')
  redis.call('DEL', KEYS[3])
  redis.call('SREM', KEYS[5], sid)
  return {'reuse'}
end
local newgen = tonumber(gen) + 1
redis.call('SET', KEYS[4], sid .. '|' .. fam .. '|' .. newgen, 'EX', ARGV[1])
redis.call('HSET', KEYS[2], 'gen', newgen)
redis.call('EXPIRE', KEYS[2], ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then return {'gone'} end
redis.call('HSET', KEYS[3], 'rt', ARGV[2])
local v = redis.call('HINCRBY', KEYS[3], 'v', 1)
return {'ok', v}
`;

/**
 * Revoke all sessions of a user (password change, "log out everywhere"). Session keys are derived
 * inside the script; they share the user's hash tag, so this stays single-slot.
 * KEYS: user's session set. ARGV: uid.
 */
export const revokeAllScript = `
local sids = redis.call('SMEMBERS', KEYS[1])
for _, sid in ipairs(sids) do
  local sk = ${luaKey('session', 'ARGV[1]', 'sid')}
  local fam = redis.call('HGET', sk, 'fam')
  if fam then redis.call('HSET', ${luaKey('tokenFamily', 'ARGV[1]', 'fam')}, 'state', 'revoked') end
  redis.call('DEL', sk)
end
redis.call('DEL', KEYS[1])
return sids
`;

export interface SessionCommands {
  gauntletLogin(k1: string, k2: string, k3: string, k4: string, uid: string, sid: string, fam: string, token: string, sessTtl: number, rtTtl: number, now: number): Promise<number>;
  gauntletTouch(k1: string, ttl: number): Promise<string | null>;
  gauntletLogout(k1: string, k2: string, k3: string, sid: string): Promise<number>;
  gauntletRotate(k1: string, k2: string, k3: string, k4: string, k5: string, ttl: number, newHash: string, sid: string): Promise<[string, number?]>;
  gauntletRevokeAll(k1: string, uid: string): Promise<string[]>;
}
/** An app client with the session scripts: one ioredis client (Sentinel, plain endpoint) or a Cluster client. */
export type SessionClient = (Redis | Cluster) & SessionCommands;

/** What the session operations send besides the scripts. */
export interface SessionCommander extends SessionCommands {
  set(key: string, value: string, ex: 'EX', seconds: number, nx: 'NX'): Promise<'OK' | null>;
  getdel(key: string): Promise<string | null>;
}

/** Registers the scripts (EVALSHA with EVAL fallback, handled by ioredis). */
export function asSessionClient<C extends Redis | Cluster>(client: C): C & SessionCommands {
  client.defineCommand('gauntletLogin', { numberOfKeys: 4, lua: loginScript });
  client.defineCommand('gauntletTouch', { numberOfKeys: 1, lua: touchScript });
  client.defineCommand('gauntletLogout', { numberOfKeys: 3, lua: logoutScript });
  client.defineCommand('gauntletRotate', { numberOfKeys: 5, lua: rotateScript });
  client.defineCommand('gauntletRevokeAll', { numberOfKeys: 1, lua: revokeAllScript });
  return client as C & SessionCommands;
}

/**
 * Where a session operation writes: an app client and, in durable-write mode, how long each
 * write waits for a replica. The write is followed on the same connection by WAIT 1 <ms>; a write
 * no replica confirmed in time is not acknowledged (it errors with NOREPLICAS, which the ledger
 * treats as not acknowledged), so only replicated writes count as acknowledged. On a Cluster the
 * client itself confirms each write (clusterDurableWrites.ts: WAIT must reach the write's master),
 * so its store has `waitMs: null`.
 */
export type SessionStore =
  | { readonly client: SessionCommander; readonly waitMs: null; readonly link?: ConnectionCount }
  | { readonly client: SessionClient; readonly waitMs: number; readonly link: ConnectionCount };

/**
 * How often a client's connection closed (its 'close' events; absent for a Cluster client, whose
 * connections are many): a durable write's WAIT must be answered on the connection the write went
 * to, and a reply on the connection its command was sent on cannot be a resent command's.
 */
export interface ConnectionCount {
  closes: number;
}

/**
 * Not async: in async mode the write's own promise is returned as it is (no extra layer per
 * operation). In durable mode, a WAIT answered after the connection closed is not trusted:
 * ioredis resends an unanswered WAIT on the new connection, and after a failover that is the new
 * master, whose answer says its own replicas caught up with it, not that the write the old master
 * took reached one. (On the same master a resent WAIT is honest: Redis 7.0 makes it wait for all
 * the master took before it, measured; refusing it costs one indeterminate write.)
 */
function acked<T>(store: SessionStore, write: Promise<T>): Promise<T> {
  if (store.waitMs === null) return write;
  const { waitMs, link } = store;
  const closes = link.closes;
  return Promise.all([write, store.client.wait(1, waitMs)]).then(([result, replicas]) => {
    if (link.closes !== closes) throw new WaitResentError();
    if (replicas < 1) throw new NoReplicaError(waitMs);
    return result;
  });
}

/** A write no replica confirmed in time: not acknowledged. */
export class NoReplicaError extends Error {
  constructor(waitMs: number) {
    super(`NOREPLICAS write not confirmed by a replica within ${waitMs} ms (WAIT)`);
  }
}

/** The connection closed before WAIT answered: the write may or may not have reached a replica, so it is not acknowledged. */
export class WaitResentError extends Error {
  constructor() {
    super('Connection is closed before WAIT confirmed the write (a WAIT resent on a new connection, maybe to a new master, does not confirm it)');
  }
}

/*
 * Each operation is a send and a settle: the send issues the command (and sets what the app sets
 * before it asks), the settle reads the reply into the session and says what the operation found.
 * Apart, so the generator completes an operation from a handler it made once per session instead
 * of an async frame per operation (src/load/operationExecutor.ts); the warm-up joins them.
 */

export function sendLogin(store: SessionStore, s: SessionState, ttl: SessionTtls, now: number): Promise<unknown> {
  return acked(store, store.client.gauntletLogin(
    sessionKey(s.uid, s.sid),
    refreshTokenKey(s.uid, s.token),
    tokenFamilyKey(s.uid, s.family),
    userSessionsKey(s.uid),
    s.uid, s.sid, s.family, s.token, ttl.sessionS, ttl.refreshTokenS, now,
  ));
}

export function settleLogin(s: SessionState): OperationOutcome {
  s.version = 1;
  return 'ok';
}

/** An authenticated request: read the session and slide its expiry, atomically. */
export function sendRequest(store: SessionStore, s: SessionState, ttl: SessionTtls): Promise<unknown> {
  return acked(store, store.client.gauntletTouch(sessionKey(s.uid, s.sid), ttl.sessionS));
}

export function settleRequest(s: SessionState, version: unknown): OperationOutcome {
  s.lastRead = version === null ? null : Number(version);
  return version === null ? 'session-gone' : 'ok';
}

/** Rotates the refresh token to `newHash`; with `replay` it presents the previous (rotated) token, as a thief would. */
export function sendRefresh(store: SessionStore, s: SessionState, ttl: SessionTtls, newHash: string, replay: boolean): Promise<unknown> {
  const presented = replay && s.previousToken ? s.previousToken : s.token;
  return acked(store, store.client.gauntletRotate(
    refreshTokenKey(s.uid, presented),
    tokenFamilyKey(s.uid, s.family),
    sessionKey(s.uid, s.sid),
    refreshTokenKey(s.uid, newHash),
    userSessionsKey(s.uid),
    ttl.refreshTokenS,
    newHash,
    s.sid,
  ));
}

export function settleRefresh(s: SessionState, reply: unknown, newHash: string): OperationOutcome {
  const [status, version] = reply as [string, number?];
  if (status === 'reuse') return 'token-reuse-revoked';
  if (status === 'rejected') return 'token-rejected';
  s.previousToken = s.token;
  s.token = newHash;
  if (status === 'gone') return 'session-gone';
  s.version = Number(version);
  return 'ok';
}

export function sendOauthBegin(store: SessionStore, s: SessionState, ttl: SessionTtls, nonce: string): Promise<unknown> {
  return acked(store, store.client.set(oauthStateKey(nonce), `${s.uid}|${s.sid}`, 'EX', ttl.oauthStateS, 'NX'));
}

export function settleOauthBegin(s: SessionState, reply: unknown, nonce: string): OperationOutcome {
  if (reply !== 'OK') throw new Error('OAuth state nonce collision');
  s.oauthNonce = nonce;
  return 'ok';
}

/**
 * The callback consumes the state exactly once (GETDEL): a second consume must find nothing.
 * Null when there is no state to present (nothing is sent; the settle says it is missing).
 */
export function sendOauthComplete(store: SessionStore, s: SessionState): Promise<unknown> | null {
  const nonce = s.oauthNonce;
  s.oauthNonce = null;
  s.consumedNonce = nonce;
  return nonce ? acked(store, store.client.getdel(oauthStateKey(nonce))) : null;
}

/** `sameConnection`: no reconnect came between the GETDEL's send and its reply (a resent GETDEL may find the state it consumed itself). */
export function settleOauthComplete(s: SessionState, value: unknown, sameConnection: boolean): OperationOutcome {
  if (value === null && s.consumedNonce !== null && sameConnection) return 'oauth-state-lost';
  // Compared in two parts: no string is built per callback.
  if (typeof value !== 'string' || value.length !== s.uid.length + 1 + s.sid.length) return 'oauth-state-missing';
  return value.startsWith(s.uid) && value.charCodeAt(s.uid.length) === 124 && value.endsWith(s.sid) ? 'ok' : 'oauth-state-missing';
}

export function sendLogout(store: SessionStore, s: SessionState): Promise<unknown> {
  return acked(store, store.client.gauntletLogout(sessionKey(s.uid, s.sid), tokenFamilyKey(s.uid, s.family), userSessionsKey(s.uid), s.sid));
}

/** A logout that found the session already gone, its family not revoked: the app's user was logged out by an expiry or a loss. */
export function settleLogout(reply: unknown): OperationOutcome {
  return reply === 0 ? 'session-gone' : 'ok';
}

export function sendRevokeAll(store: SessionStore, s: SessionState): Promise<unknown> {
  return acked(store, store.client.gauntletRevokeAll(userSessionsKey(s.uid), s.uid));
}

export function settleRevokeAll(s: SessionState, revoked: unknown): OperationOutcome {
  s.revoked = revoked as string[];
  return 'ok';
}
