import type { Scenario } from '../load/scenario.js';
import { sessionKey } from '../load/session/sessionKeys.js';

/**
 * The acknowledged-write ledger: what the store acknowledged about each session the run created,
 * key by key, and what an errored command could have changed. After the run, verifyLedger.ts
 * reads every key back and classifies each fact as ok, lost, resurrected, expired or
 * unverifiable. Per session:
 *
 *   sess:{uid}:<sid>       present with version >= `version`, unless deleted (then absent for good)
 *   rtf:{uid}:<family>     generation >= `familyGen` and active, unless revoked (then never active again)
 *   rt:{uid}:<token>       the current refresh token exists until its TTL (rotated tokens are kept)
 *   user:{uid}:sessions    holds the sid while the session lives, not once it ended
 *   oauth:state:<nonce>    a begun flow's nonce exists until consumed; a consumed one never comes back
 *
 * An error does not make a session unknown: what was acknowledged before it still bounds what
 * must be found (a version only grows, a delete stays done). Only what the errored command could
 * have changed is uncertain, and a command that timed out may still run later (ioredis resends
 * it after a reconnect): an errored refresh, logout or revoke-all may end the session at any
 * time afterwards, an errored login may never have created it.
 *
 * Deadlines are wall-clock ms implied by the last acknowledged operation that set a TTL (login,
 * a request's sliding expiry, a refresh for the family and token); a key absent after its
 * deadline expired, one present with an older version is lost whatever its deadline. A version
 * the app read, or a refresh wrote over, below the acknowledged one is a loss seen live: each
 * operation of a session waits for the one before, so only a lost write (or the session's errored
 * login, resent late) can take its version back. So is a session its own logout found already
 * gone, its family not revoked, before its deadline: no end had run, and the logout's
 * acknowledged end would hide the loss.
 */
export interface LedgerRecord {
  uid: string;
  sid: string;
  family: string;
  token: string;
  version: number;
  familyGen: number;
  /** An acknowledged logout, revoke-all or reuse detection: the session must stay absent. */
  sessionDeleted: boolean;
  /** Acknowledged with it: the family must never be active again (a stolen token would work). */
  familyRevoked: boolean;
  /** When an errored or timed-out logout or refresh (which may still run) could have ended the session; 0: never. */
  endUncertainAt: number;
  /** The login errored and nothing acknowledged since proved the session exists: nothing about it was acknowledged. */
  mayNotExist: boolean;
  /** When the login errored (0: it was acknowledged): a timed-out login may still run later, even after the session's logout. */
  loginErrorAt: number;
  /** Wall ms of the last acknowledged operation that read or wrote the session: proof it existed then. */
  provenAt: number;
  sessionExpiresAt: number;
  /** The family's and the current token's deadline (a refresh sets both). */
  familyExpiresAt: number;
  /** When the app found the session gone or its token rejected while the ledger held it live (0: never). */
  observedMissingAt: number;
  /**
   * When the session's own logout found it already gone, its family not revoked, while the ledger
   * held it live, and when its last write before was acknowledged (null: never): its acknowledged
   * end then hides the loss from the verification pass.
   */
  logoutFoundGone: { at: number; ackedAt: number } | null;
  /**
   * When the app first found the session older than acknowledged (a read, or a refresh that
   * wrote over an older version; 0: never), and the versions: a lost write seen live, which later
   * writes would hide from the verification pass.
   */
  observedOlderAt: number;
  /** The version acknowledged then, when it was acknowledged (wall ms), and the version found. */
  observedOlder: { acknowledged: number; ackedAt: number; found: number } | null;
  /** Wall ms of the last acknowledged write to the session (which writes a split brain took). */
  lastAckAt: number;
  /** A begun OAuth flow's nonce, not yet consumed, and its deadline. */
  pendingNonce: string | null;
  nonceExpiresAt: number;
  /** Set by verification: the session version found on the master (null: absent). */
  foundVersion?: number | null;
  /** Set by verification: the token family's generation found (null: absent); it outlives the session, revoked. */
  foundFamilyGen?: number | null;
  /** Set by verification: one of the session's facts was lost or resurrected. */
  verifiedLost?: boolean;
}

export interface LedgerTtls {
  sessionMs: number;
  refreshTokenMs: number;
  oauthStateMs: number;
}

export interface UserRecord {
  /** The user's session set's deadline: every acknowledged login of the user slides it. */
  setExpiresAt: number;
  /** When a revoke-all of this user last errored or timed out (it may delete any session of the user, until it can no longer run); 0: never. */
  revokeErrorAt: number;
}

/** A consumed OAuth nonce: it must stay absent (a resurrected one is replayable) until its TTL. */
export interface ConsumedNonce {
  uid: string;
  sid: string;
  nonce: string;
  expiresAt: number;
}

/** The ledger a run of `s` records into: its TTLs rounded to the whole seconds the generator writes. */
export function ledgerForScenario(s: Scenario): Ledger {
  const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000)) * 1000;
  return new Ledger({ sessionMs: seconds(s.session.ttl.session), refreshTokenMs: seconds(s.session.ttl.refreshToken), oauthStateMs: seconds(s.session.ttl.oauthState) });
}

/** Keys whose deadline is this close count as possibly expired: Redis runs the TTL from execution, before the acknowledgement. */
export const expiryMarginMs = 2000;

/** A key with this deadline should still have been there at `now` (outside the expiry margin): finding it gone then is a loss. */
const shouldLive = (deadline: number, now: number): boolean => now < deadline - expiryMarginMs;

/**
 * How long a command that errored or timed out may still run: ioredis resends unanswered
 * commands once it has reconnected, which a failover delays by seconds. A session proven to
 * exist (an acknowledged read or write) longer than this after such an error survived it.
 */
export const resendWindowMs = 15_000;

/**
 * Time fields that stay 0 until an error path sets them (at a failover) are created holding -0,
 * a double, and then set to 0. V8 lays a field out by the first value stored in it: with a small
 * integer first, the first Date.now() stored changes the layout of every record at once, and
 * each is reallocated on its next touch (the generator's young-generation collections carried
 * 2-3x the survivors for about 30 s after a failover). Setting 0 keeps the values as they were.
 */
const doubleLayout = -0;

/** A begun OAuth flow's state the callback found gone before its deadline, on the connection it asked on: a loss seen live. */
export interface LostNonce {
  uid: string;
  sid: string;
  nonce: string;
  foundAt: number;
}

/** A ledger as plain data (Ledger.toShard), to carry between workers, shards and the merge. */
export interface LedgerShard {
  ttl: LedgerTtls;
  records: LedgerRecord[];
  users: Array<[string, UserRecord]>;
  consumedNonces: ConsumedNonce[];
  lostNonces: LostNonce[];
  staleReads: number;
  staleExamples: Array<{ key: string; acknowledged: string; found: string }>;
  /** Sessions a revoke-all ended that this part never logged in (another part did), and when. */
  endedUnseen: Array<[string, number]>;
}

export class Ledger {
  readonly records = new Map<string, LedgerRecord>();
  readonly users = new Map<string, UserRecord>();
  readonly consumedNonces: ConsumedNonce[] = [];
  readonly lostNonces: LostNonce[] = [];
  staleReads = 0;
  readonly staleExamples: Array<{ key: string; acknowledged: string; found: string }> = [];
  /**
   * Sessions a revoke-all ended before their own login's acknowledgement arrived: acks come back
   * on different connections, so a user's revoke-all can be seen before a sibling session's login
   * that Redis ran first (and the revoke-all then deleted).
   */
  private readonly endedBeforeLogin = new Map<string, number>();

  constructor(readonly ttl: LedgerTtls) {}

  private user(uid: string): UserRecord {
    let u = this.users.get(uid);
    if (!u) {
      this.users.set(uid, (u = { setExpiresAt: doubleLayout, revokeErrorAt: doubleLayout }));
      u.setExpiresAt = u.revokeErrorAt = 0;
    }
    return u;
  }

  /**
   * Whether an errored command may have ended the session (its own logout or refresh, or its
   * user's revoke-all): only until an acknowledged operation proved it existed after the command
   * could no longer run.
   */
  mayBeEnded(r: LedgerRecord): boolean {
    const since = Math.max(r.endUncertainAt, this.users.get(r.uid)?.revokeErrorAt ?? 0);
    return since > 0 && !(r.provenAt > since + resendWindowMs);
  }

  private proven(r: LedgerRecord, now: number): void {
    r.provenAt = now;
    r.mayNotExist = false;
  }

  loginAcked(uid: string, sid: string, family: string, token: string, now: number): void {
    const ended = this.endedBeforeLogin.delete(sid);
    const r: LedgerRecord = {
      uid, sid, family, token, version: 1, familyGen: 1, sessionDeleted: ended, familyRevoked: ended, endUncertainAt: doubleLayout, mayNotExist: false, loginErrorAt: doubleLayout, provenAt: now,
      sessionExpiresAt: now + this.ttl.sessionMs, familyExpiresAt: now + this.ttl.refreshTokenMs, observedMissingAt: doubleLayout, logoutFoundGone: null, observedOlderAt: doubleLayout, observedOlder: null, lastAckAt: now, pendingNonce: null, nonceExpiresAt: doubleLayout,
    };
    r.endUncertainAt = r.loginErrorAt = r.observedMissingAt = r.observedOlderAt = r.nonceExpiresAt = 0;
    this.records.set(sid, r);
    const u = this.user(uid);
    u.setExpiresAt = Math.max(u.setExpiresAt, now + this.ttl.refreshTokenMs);
  }

  /** A login that errored: the session may or may not exist (if it does, as the login wrote it). */
  loginErrored(uid: string, sid: string, family: string, token: string, now: number): void {
    this.loginAcked(uid, sid, family, token, now);
    const r = this.records.get(sid)!;
    r.mayNotExist = true;
    r.loginErrorAt = now;
    r.provenAt = 0;
  }

  /**
   * The session's acknowledged end came while its errored login could still run (a client may
   * resend a timed-out command, e.g. after a redirection): finding it back is no resurrection.
   */
  lateLoginMayRevive(r: LedgerRecord): boolean {
    return r.loginErrorAt > 0 && r.lastAckAt <= r.loginErrorAt + resendWindowMs;
  }

  /** A request read version `found` and slid the expiry. */
  touched(sid: string, found: number, now: number): void {
    const r = this.records.get(sid);
    if (!r) return;
    if (found < r.version) this.foundOlder(r, found, now);
    r.sessionExpiresAt = now + this.ttl.sessionMs;
    this.proven(r, now);
  }

  /** A refresh acknowledged: a new token, the family's next generation, and the session version it wrote. */
  rotated(sid: string, token: string, version: number | null, now: number): void {
    const r = this.records.get(sid);
    if (!r) return;
    if (version !== null) {
      // A refresh writes the version it found plus one: at or below the acknowledged one, it
      // found an older session (then the version may have been taken back to the late login's).
      if (version <= r.version) this.foundOlder(r, version - 1, now);
      if (version > r.version) r.version = version;
      this.proven(r, now);
    }
    r.token = token;
    r.familyGen++;
    r.familyExpiresAt = now + this.ttl.refreshTokenMs;
    r.lastAckAt = now;
    // The refresh found the family (and found the session gone, when version is null): the login ran, whether or not it errored.
    r.mayNotExist = false;
  }

  /**
   * The app found the session at version `found`, below the acknowledged one: a stale read, and a
   * loss seen live unless the session's errored login could have run after that version was
   * acknowledged and written it anew: then what that login wrote (the version found, the family's
   * first generation) is the session's now. Counted once per session until explained.
   */
  private foundOlder(r: LedgerRecord, found: number, now: number): void {
    // Once per session: until writes pass the lost version, every read and refresh finds it older again.
    if (r.sessionDeleted || r.observedOlderAt !== 0) return;
    this.staleReads++;
    if (this.staleExamples.length < 10) this.staleExamples.push({ key: sessionKey(r.uid, r.sid), acknowledged: `v=${r.version}`, found: `v=${found}` });
    if (this.lateLoginMayRevive(r)) {
      r.version = found;
      r.familyGen = 1;
      return;
    }
    r.observedOlderAt = now;
    r.observedOlder = { acknowledged: r.version, ackedAt: r.lastAckAt, found };
  }

  /**
   * The app found the session gone (a request or refresh) or its refresh token rejected. Judged
   * at verification, not now: a sibling's revoke-all may explain it once all acknowledgements are in.
   */
  observedMissing(sid: string, now: number): void {
    const r = this.records.get(sid);
    if (!r || r.observedMissingAt !== 0 || r.sessionDeleted || r.mayNotExist) return;
    // Only while every key of the session should still be there.
    if (shouldLive(Math.min(r.sessionExpiresAt, r.familyExpiresAt), now)) r.observedMissingAt = now;
  }

  /**
   * The session's logout found it already gone and its family not revoked (no end ran): expired,
   * or lost, when every key of the session should still have been there. Kept apart from
   * `observedMissingAt`, which an acknowledged end explains (a sibling's revoke-all whose
   * acknowledgement came later): this end is the session's own, after the loss. Nor does an end
   * acknowledged before explain it: a revoke-all that listed the session ran before the logout
   * (the logout leaves the user's set), and found its hash gone too, or it would have revoked the
   * family. Dated by the last operation acknowledged before (a request's sliding expiry may be
   * the write lost).
   */
  logoutFoundGone(sid: string, now: number): void {
    const r = this.records.get(sid);
    if (!r || r.mayNotExist) return;
    if (shouldLive(Math.min(r.sessionExpiresAt, r.familyExpiresAt), now)) r.logoutFoundGone = { at: now, ackedAt: Math.max(r.lastAckAt, r.provenAt) };
  }

  /** Logout, reuse detection or revoke-all acknowledged: session gone, family revoked. */
  ended(sid: string, now: number): void {
    const r = this.records.get(sid);
    if (!r) {
      this.endedBeforeLogin.set(sid, now);
      return;
    }
    r.sessionDeleted = true;
    r.familyRevoked = true;
    r.lastAckAt = now;
  }

  /** An errored or timed-out logout or refresh: it may end the session, now or when it runs later. */
  mayHaveEnded(sid: string, now: number): void {
    const r = this.records.get(sid);
    if (r) r.endUncertainAt = now;
  }

  /** An errored or timed-out revoke-all: any session of the user may be deleted, now or later. */
  userMayBeRevoked(uid: string, now: number): void {
    this.user(uid).revokeErrorAt = now;
  }

  setExpiresAt(uid: string): number {
    return this.users.get(uid)?.setExpiresAt ?? 0;
  }

  nonceBegun(sid: string, nonce: string, now: number): void {
    const r = this.records.get(sid);
    if (!r) return;
    r.pendingNonce = nonce;
    r.nonceExpiresAt = now + this.ttl.oauthStateMs;
  }

  /** The callback consumed the nonce (GETDEL returned it): it must never be found again. */
  nonceConsumed(sid: string, nonce: string): void {
    const r = this.records.get(sid);
    if (!r || r.pendingNonce !== nonce) return;
    this.consumedNonces.push({ uid: r.uid, sid, nonce, expiresAt: r.nonceExpiresAt });
    r.pendingNonce = null;
  }

  /**
   * The callback found no state, on the connection it asked on (no resent GETDEL consumed it
   * first): lost, when it should still have been there; else it expired.
   */
  nonceFoundMissing(sid: string, nonce: string, now: number): void {
    const r = this.records.get(sid);
    if (!r || r.pendingNonce !== nonce) return;
    if (shouldLive(r.nonceExpiresAt, now)) this.lostNonces.push({ uid: r.uid, sid, nonce, foundAt: now });
    r.pendingNonce = null;
  }

  /** The callback errored, or found nothing where a resent GETDEL may have consumed it first: the nonce is not tracked further. */
  nonceUnknown(sid: string): void {
    const r = this.records.get(sid);
    if (r) r.pendingNonce = null;
  }

  /** A copy of what was acknowledged up to now (for point-in-time restore checks). */
  snapshot(): Ledger {
    const copy = new Ledger(this.ttl);
    for (const [k, r] of this.records) copy.records.set(k, { ...r });
    for (const [k, u] of this.users) copy.users.set(k, { ...u });
    copy.consumedNonces.push(...this.consumedNonces.map((n) => ({ ...n })));
    copy.lostNonces.push(...this.lostNonces.map((n) => ({ ...n })));
    for (const [sid, at] of this.endedBeforeLogin) copy.endedBeforeLogin.set(sid, at);
    return copy;
  }

  /** Everything this ledger knows, as plain data: one worker's or shard's part of a run's ledger. */
  toShard(): LedgerShard {
    return {
      ttl: { ...this.ttl },
      records: [...this.records.values()].map((r) => ({ ...r })),
      users: [...this.users].map(([uid, u]) => [uid, { ...u }]),
      consumedNonces: this.consumedNonces.map((n) => ({ ...n })),
      lostNonces: this.lostNonces.map((n) => ({ ...n })),
      staleReads: this.staleReads,
      staleExamples: this.staleExamples.map((e) => ({ ...e })),
      endedUnseen: [...this.endedBeforeLogin],
    };
  }

  /**
   * Adds the part of the run's ledger another worker or shard kept (in any order, each once).
   * Sessions are disjoint between parts, users are not: a revoke-all one part acknowledged may
   * have ended sessions another part logged in, which are then ended here too.
   */
  addShard(shard: LedgerShard): void {
    for (const r of shard.records) {
      this.records.set(r.sid, { ...r });
      const endedAt = this.endedBeforeLogin.get(r.sid);
      if (endedAt !== undefined) this.endElsewhere(r.sid, endedAt);
    }
    for (const [uid, u] of shard.users) {
      const mine = this.user(uid);
      mine.setExpiresAt = Math.max(mine.setExpiresAt, u.setExpiresAt);
      mine.revokeErrorAt = Math.max(mine.revokeErrorAt, u.revokeErrorAt);
    }
    this.consumedNonces.push(...shard.consumedNonces.map((n) => ({ ...n })));
    this.lostNonces.push(...shard.lostNonces.map((n) => ({ ...n })));
    this.staleReads += shard.staleReads;
    for (const e of shard.staleExamples) if (this.staleExamples.length < 10) this.staleExamples.push({ ...e });
    for (const [sid, at] of shard.endedUnseen) {
      if (this.records.has(sid)) this.endElsewhere(sid, at);
      else this.endedBeforeLogin.set(sid, Math.max(at, this.endedBeforeLogin.get(sid) ?? 0));
    }
  }

  /** An end acknowledged in another part (a revoke-all of the same user): as `ended`, and as a login that came after it. */
  private endElsewhere(sid: string, at: number): void {
    const r = this.records.get(sid)!;
    this.endedBeforeLogin.delete(sid);
    r.sessionDeleted = true;
    r.familyRevoked = true;
    r.lastAckAt = Math.max(r.lastAckAt, at);
  }

  /** Forgets everything (a parent's copy of its workers' ledgers, refilled with `addShard`). */
  clear(): void {
    this.records.clear();
    this.users.clear();
    this.consumedNonces.length = 0;
    this.lostNonces.length = 0;
    this.staleReads = 0;
    this.staleExamples.length = 0;
    this.endedBeforeLogin.clear();
  }
}
