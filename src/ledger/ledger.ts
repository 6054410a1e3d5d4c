import type { OperationName, Scenario } from '../load/scenario.js';
import { sessionKey } from '../load/session/sessionKeys.js';

/**
 * The acknowledged-write ledger (design.md, "Correctness"). One compact record per session the
 * run created, holding what the store acknowledged about that session's keys:
 *   sess:{uid}:<sid>      present with version >= `version`, unless deleted (then must be absent)
 *   rtf:{uid}:<family>    generation >= `familyGen` and active, unless revoked (then never active again)
 *   rt:{uid}:<token>      the current refresh token exists
 * Operations that errored or timed out make the record indeterminate: they may or may not have
 * applied. Expectations whose TTL has passed are dropped (expiry is not loss).
 *
 * Size: one object of 11 fields with 4 short strings, measured by `npm run bench` at ~395 bytes
 * per tracked session, ~132 bytes per tracked key (3 keys per session): docs/benchmarks.md.
 */
export interface LedgerRecord {
  uid: string;
  sid: string;
  family: string;
  token: string;
  version: number;
  familyGen: number;
  sessionDeleted: boolean;
  familyRevoked: boolean;
  /** Wall-clock ms after which the key may legitimately have expired. */
  sessionExpiresAt: number;
  familyExpiresAt: number;
  indeterminate: boolean;
}

/**
 * What an errored or timed-out operation leaves unknown (it may or may not have run):
 * - `login`: whether the session exists at all;
 * - `revokeAll`: every session of the user (it may have deleted them all);
 * - `refresh`, `logout`: this session's keys;
 * - `request` and the OAuth steps: nothing the ledger tracks. A request only slides the expiry,
 *   and the ledger keeps the earlier deadline, after which the key counts as expired either way;
 *   OAuth state keys are not in the ledger.
 */
export function unknownAfterError(action: OperationName): 'session-existence' | 'user' | 'session' | 'nothing' {
  switch (action) {
    case 'login':
      return 'session-existence';
    case 'revokeAll':
      return 'user';
    case 'refresh':
    case 'logout':
      return 'session';
    case 'request':
    case 'oauthBegin':
    case 'oauthComplete':
      return 'nothing';
  }
}

export interface LedgerTtls {
  sessionMs: number;
  refreshTokenMs: number;
}

/** The ledger a run of `s` records into: its TTLs rounded to the whole seconds the generator writes. */
export function ledgerForScenario(s: Scenario): Ledger {
  const seconds = (ms: number): number => Math.max(1, Math.round(ms / 1000)) * 1000;
  return new Ledger({ sessionMs: seconds(s.session.ttl.session), refreshTokenMs: seconds(s.session.ttl.refreshToken) });
}

export class Ledger {
  readonly records = new Map<string, LedgerRecord>();
  staleReads = 0;
  readonly staleExamples: Array<{ key: string; acknowledged: string; found: string }> = [];

  /**
   * Sessions a revoke-all ended before their own login's acknowledgement arrived: acks come back
   * on different connections, so a user's revoke-all can be seen before a sibling session's login
   * that Redis ran first (and the revoke-all then deleted).
   */
  private readonly endedBeforeLogin = new Set<string>();

  constructor(private readonly ttl: LedgerTtls) {}

  loginAcked(uid: string, sid: string, family: string, token: string, now: number): void {
    const ended = this.endedBeforeLogin.delete(sid);
    this.records.set(sid, {
      uid, sid, family, token, version: 1, familyGen: 1, sessionDeleted: ended, familyRevoked: ended,
      sessionExpiresAt: now + this.ttl.sessionMs, familyExpiresAt: now + this.ttl.refreshTokenMs, indeterminate: false,
    });
  }

  /** A login that errored: the session may exist. */
  loginIndeterminate(uid: string, sid: string, family: string, token: string, now: number): void {
    this.loginAcked(uid, sid, family, token, now);
    this.records.get(sid)!.indeterminate = true;
  }

  /** A request read version `found` and slid the expiry. */
  touched(sid: string, found: number, now: number): void {
    const r = this.records.get(sid);
    if (!r) return;
    if (!r.indeterminate && !r.sessionDeleted && found < r.version) {
      this.staleReads++;
      if (this.staleExamples.length < 10) this.staleExamples.push({ key: sessionKey(r.uid, sid), acknowledged: `v=${r.version}`, found: `v=${found}` });
    }
    r.sessionExpiresAt = now + this.ttl.sessionMs;
  }

  rotated(sid: string, token: string, version: number | null, now: number): void {
    const r = this.records.get(sid);
    if (!r) return;
    r.token = token;
    r.familyGen++;
    r.familyExpiresAt = now + this.ttl.refreshTokenMs;
    if (version !== null) r.version = version;
  }

  /** Logout, reuse detection or revoke-all acknowledged: session gone, family revoked. */
  ended(sid: string): void {
    const r = this.records.get(sid);
    if (!r) {
      this.endedBeforeLogin.add(sid);
      return;
    }
    r.sessionDeleted = true;
    r.familyRevoked = true;
  }

  /** A copy of what was acknowledged up to now (for point-in-time restore checks). */
  snapshot(): Ledger {
    const copy = new Ledger(this.ttl);
    for (const [k, r] of this.records) copy.records.set(k, { ...r });
    for (const sid of this.endedBeforeLogin) copy.endedBeforeLogin.add(sid);
    return copy;
  }

  /**
   * A revoke-all for this user errored or timed out: Redis may still have run it, deleting
   * every session of the user, so all of them are unknown from here on (a scan, on errors only).
   */
  indeterminateUser(uid: string): void {
    for (const r of this.records.values()) if (r.uid === uid) r.indeterminate = true;
  }

  /** An operation on this session errored: its outcome is unknown from here on. */
  indeterminate(sid: string): void {
    const r = this.records.get(sid);
    if (r) r.indeterminate = true;
  }
}
