import type { Redis } from 'ioredis';
import { oauthStateKey, refreshTokenKey, sessionKey, tokenFamilyKey, userSessionsKey } from '../load/session/sessionKeys.js';
import { keySlot } from '../topology/hashSlot.js';
import { expiryMarginMs, type Ledger, type LedgerRecord } from './ledger.js';

export type Finding = 'ok' | 'lost' | 'resurrected' | 'expired' | 'unverifiable';

/** What the master holds now for one session's keys. */
export interface KeyObservation {
  session: { version: number | null };
  family: { gen: number | null; state: string | null };
  tokenExists: boolean;
  /** Whether the user's session set lists the sid. */
  member: boolean;
}

/** What verification knows beside the record: the time, and the user-level facts. */
export interface ClassifyContext {
  now: number;
  /** An errored command (its own logout or refresh, its user's revoke-all) may have ended the session. */
  mayBeEnded: boolean;
  /** The session's errored login may have run after its acknowledged end (Ledger.lateLoginMayRevive). */
  lateLogin?: boolean;
  /** The deadline of the user's session set. */
  setExpiresAt: number;
  /** Count what the app found missing or older during the run (off for a restore checked against a snapshot). */
  liveEvidence: boolean;
}

export interface FactFinding {
  key: string;
  finding: Finding;
  acknowledged: string;
  found: string;
  /** A loss the app had already run into during the run. */
  observedLive?: boolean;
}

export interface LedgerExample {
  key: string;
  kind: 'lost' | 'resurrected' | 'stale-read';
  acknowledged: string;
  found: string;
  /** On a cluster: the shard the key lives on. */
  shard?: string;
}

export interface LedgerReport {
  /** Facts judged ok, lost or resurrected (a fact: one key, or one session's membership in its user's set). */
  keysChecked: number;
  lost: number;
  resurrected: number;
  staleReads: number;
  /** Facts whose state only an errored command's uncertainty explains: could not be judged. */
  unverifiable: number;
  /** unverifiable / (keysChecked + unverifiable). */
  unverifiableShare: number;
  expired: number;
  /** Lost facts the app had already found missing or older during the run (a gone session, a rejected token, an older version). */
  lostObservedLive: number;
  examples: LedgerExample[];
  /** Every lost or resurrected key (capped at 100,000), for reports/<run-id>/ledger-findings.jsonl. */
  findings: LedgerExample[];
}

const f = (key: string, finding: Finding, acknowledged: string, found: string): FactFinding => ({ key, finding, acknowledged, found });

/**
 * Classifies one session's facts against what the master holds now (pure: unit-tested). What was
 * acknowledged always bounds what must be found; an errored command's uncertainty only excuses
 * the one state it could have caused (a deletion, a missing creation). Every way a session ends
 * (logout, revoke-all, a replayed refresh) is one script that deletes the session, removes it
 * from the user's set and revokes its family together, so the family tells whether an errored
 * end ran: revoked, the session's absence is that end (ok); still active, the end did not run
 * and an absent session was lost. Without the family to tell, the fact is unverifiable. A key
 * found older than acknowledged is lost whatever its deadline; absent after its deadline it
 * expired.
 */
export function classify(r: LedgerRecord, seen: KeyObservation, ctx: ClassifyContext): FactFinding[] {
  const expired = (deadline: number): boolean => deadline - expiryMarginMs < ctx.now;
  const mayBeEnded = ctx.mayBeEnded;
  // A login that errored and was never proven: nothing about the session was acknowledged.
  if (r.mayNotExist && !r.sessionDeleted) return [];
  const out: FactFinding[] = [];

  const sk = sessionKey(r.uid, r.sid);
  const v = seen.session.version;
  const { gen, state } = seen.family;
  // Did an errored end run (null: no end was uncertain, or the keys cannot tell)? A present
  // session with an active family: no. An absent one: its family says.
  const endRan = !mayBeEnded || gen === null ? null : v !== null ? (state === 'active' ? false : null) : state !== 'active';
  const observedLost = ctx.liveEvidence && r.observedMissingAt !== 0 && !mayBeEnded && !r.mayNotExist;
  // A deleted fact found back, when the errored login could have run after the end: unverifiable.
  const back: Finding = ctx.lateLogin ? 'unverifiable' : 'resurrected';
  const lateNote = ctx.lateLogin ? ', or re-created by its errored login run late' : '';
  // Found older than acknowledged during the run: lost, whatever later writes or an acknowledged end made of the key since.
  const older = ctx.liveEvidence ? r.observedOlder : null;
  // Its own logout found it gone, its family not revoked: no end ran, though the logout ended it
  // since. Not excused by an errored end: one that ran before the logout revoked the family.
  const goneAtLogout = ctx.liveEvidence && r.logoutFoundGone !== null && !r.mayNotExist;
  if (older) out.push({ ...f(sk, 'lost', `v=${older.acknowledged}`, `${v === null ? 'absent' : `v=${v}`} now; the app found v=${older.found} at ${new Date(r.observedOlderAt).toISOString()}`), observedLive: true });
  else if (goneAtLogout) out.push({ ...f(sk, 'lost', `v=${r.version} until its logout`, `${v === null ? 'absent' : `v=${v}`} now; its logout found it already gone, its family not revoked, at ${new Date(r.logoutFoundGone!.at).toISOString()}`), observedLive: true });
  else if (r.sessionDeleted) out.push(f(sk, v === null ? 'ok' : back, `deleted${lateNote}`, v === null ? 'absent' : `present v=${v}`));
  else if (v !== null) out.push(f(sk, v >= r.version ? 'ok' : 'lost', `v=${r.version}`, `v=${v}`));
  else if (observedLost) out.push({ ...f(sk, 'lost', `v=${r.version}`, `absent (the app found it missing at ${new Date(r.observedMissingAt).toISOString()})`), observedLive: true });
  else if (endRan === true && !r.mayNotExist) out.push(f(sk, 'ok', `v=${r.version}, or deleted by an errored command`, 'absent, its family revoked: the errored command ended it'));
  else if (endRan === false && !r.mayNotExist) out.push(f(sk, expired(r.sessionExpiresAt) ? 'expired' : 'lost', `v=${r.version}, or deleted by an errored command`, 'absent, its family still active: no end ran'));
  else if (mayBeEnded || r.mayNotExist) out.push(f(sk, 'unverifiable', `v=${r.version}, or deleted or never created by an errored command`, 'absent'));
  else out.push(f(sk, expired(r.sessionExpiresAt) ? 'expired' : 'lost', `v=${r.version}`, 'absent'));

  const fk = tokenFamilyKey(r.uid, r.family);
  const famFound = gen === null ? 'absent' : `gen=${gen} ${state}`;
  if (r.familyRevoked) out.push(f(fk, state === 'active' ? back : 'ok', `revoked${lateNote}`, famFound));
  else if (gen !== null && state === 'active') out.push(f(fk, gen >= r.familyGen ? 'ok' : 'lost', `gen=${r.familyGen} active`, famFound));
  else if (gen !== null && endRan === true) out.push(f(fk, 'ok', `gen=${r.familyGen} active, or revoked by an errored command`, `${famFound}, its session gone with it`));
  else if (gen !== null) out.push(f(fk, mayBeEnded ? 'unverifiable' : 'lost', `gen=${r.familyGen} active`, famFound));
  else if (r.mayNotExist) out.push(f(fk, 'unverifiable', `gen=${r.familyGen} active, or never created`, famFound));
  else out.push(f(fk, expired(r.familyExpiresAt) ? 'expired' : 'lost', `gen=${r.familyGen} active`, famFound));

  // Nothing deletes a refresh token: the current one lives until its TTL, revoked family or not.
  const tk = refreshTokenKey(r.uid, r.token);
  if (seen.tokenExists) out.push(f(tk, 'ok', 'present', 'present'));
  else if (r.mayNotExist) out.push(f(tk, 'unverifiable', 'present, or never created', 'absent'));
  else out.push(f(tk, expired(r.familyExpiresAt) ? 'expired' : 'lost', 'present', 'absent'));

  const mk = `${userSessionsKey(r.uid)} ∋ ${r.sid}`;
  if (r.sessionDeleted) out.push(f(mk, seen.member ? back : 'ok', `removed${lateNote}`, seen.member ? 'member' : 'not a member'));
  else if (seen.member) out.push(f(mk, 'ok', 'member', 'member'));
  else if (endRan === true && !r.mayNotExist) out.push(f(mk, 'ok', 'member, or removed by an errored command', 'not a member, the session ended by it'));
  else if (endRan === false && !r.mayNotExist) out.push(f(mk, expired(ctx.setExpiresAt) ? 'expired' : 'lost', 'member, or removed by an errored command', 'not a member, though no end ran'));
  else if (mayBeEnded || r.mayNotExist) out.push(f(mk, 'unverifiable', 'member, or removed or never added by an errored command', 'not a member'));
  else out.push(f(mk, expired(ctx.setExpiresAt) ? 'expired' : 'lost', 'member', 'not a member'));

  return out;
}

/** A pending nonce must exist until its TTL; a consumed one must never be found again (it would be replayable). */
export function classifyNonce(key: string, consumed: boolean, exists: boolean, expiresAt: number, now: number): FactFinding | null {
  if (consumed) return expiresAt - expiryMarginMs < now ? null : f(key, exists ? 'resurrected' : 'ok', 'consumed', exists ? 'present (replayable)' : 'absent');
  if (exists) return f(key, 'ok', 'present', 'present');
  return f(key, expiresAt - expiryMarginMs < now ? 'expired' : 'lost', 'present', 'absent');
}

/**
 * A begun flow's state the callback found gone, on the connection it asked on: lost, unless it is
 * there now (the callback then asked a server without it, e.g. an isolated old master a reconnect
 * reached before the sentinels agreed; the state was never lost).
 */
export function classifyNonceFoundMissing(key: string, exists: boolean, foundAt: number): FactFinding {
  if (exists) return f(key, 'ok', 'present', 'present: the callback asked a server without it');
  return { ...f(key, 'lost', 'present', `absent: the callback found no state at ${new Date(foundAt).toISOString()}`), observedLive: true };
}

export interface VerifyOptions {
  /** Count what the app found missing or older during the run; off when checking a restore against a snapshot. */
  liveEvidence?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Where verification reads on a cluster: each shard's current master, and which shard serves a
 * slot. Every finding then names the shard its key lives on.
 */
export interface ShardedReader {
  shards: ReadonlyArray<{ name: string; client: Redis }>;
  shardOfSlot(slot: number): number;
}

const batch = 500;

/**
 * Reads every ledger key from `master` (or, on a cluster, from the master of each key's slot) in
 * pipelined batches and classifies; records the versions found.
 */
export async function verifyLedger(ledger: Ledger, master: Redis | ShardedReader, options: VerifyOptions = {}): Promise<LedgerReport> {
  const liveEvidence = options.liveEvidence ?? true;
  const report: LedgerReport = { keysChecked: 0, lost: 0, resurrected: 0, staleReads: ledger.staleReads, unverifiable: 0, unverifiableShare: 0, expired: 0, lostObservedLive: 0, examples: [], findings: [] };
  for (const s of ledger.staleExamples.slice(0, 5)) report.examples.push({ ...s, kind: 'stale-read' });
  const count = (x: FactFinding, shard: string | null): void => {
    if (x.finding === 'unverifiable') report.unverifiable++;
    else if (x.finding === 'expired') report.expired++;
    else report.keysChecked++;
    if (x.finding !== 'lost' && x.finding !== 'resurrected') return;
    report[x.finding]++;
    if (x.observedLive) report.lostObservedLive++;
    const example: LedgerExample = { key: x.key, kind: x.finding, acknowledged: x.acknowledged, found: x.found, ...(shard !== null ? { shard } : {}) };
    if (report.examples.filter((e) => e.kind === x.finding).length < 10) report.examples.push(example);
    if (report.findings.length < 100_000) report.findings.push(example);
  };
  const records = [...ledger.records.values()];
  const now = Date.now();
  const nonces: NonceFact[] = [
    ...records.filter((r) => r.pendingNonce).map((r): NonceFact => ({ nonce: r.pendingNonce!, judge: (key, exists, at) => classifyNonce(key, false, exists, r.nonceExpiresAt, at) })),
    ...ledger.consumedNonces.filter((n) => n.expiresAt - expiryMarginMs >= now).map((n): NonceFact => ({ nonce: n.nonce, judge: (key, exists, at) => classifyNonce(key, true, exists, n.expiresAt, at) })),
    ...(liveEvidence ? ledger.lostNonces.map((n): NonceFact => ({ nonce: n.nonce, judge: (key, exists) => classifyNonceFoundMissing(key, exists, n.foundAt) })) : []),
  ];
  const total = records.length;
  let done = 0;
  const progress = (n: number): void => {
    done += n;
    options.onProgress?.(Math.min(done, total), total);
  };
  if (!('shards' in master)) {
    await verifySessions(records, master, ledger, liveEvidence, (x) => count(x, null), progress);
    await verifyNonces(nonces, master, (x) => count(x, null));
  } else {
    for (const [k, shard] of master.shards.entries()) {
      const own = (slot: number): boolean => master.shardOfSlot(slot) === k;
      await verifySessions(records.filter((r) => own(keySlot(r.uid))), shard.client, ledger, liveEvidence, (x) => count(x, shard.name), progress);
      await verifyNonces(nonces.filter((n) => own(keySlot(oauthStateKey(n.nonce)))), shard.client, (x) => count(x, shard.name));
    }
    const served = (slot: number): boolean => master.shardOfSlot(slot) >= 0;
    const orphans = records.filter((r) => !served(keySlot(r.uid))).length + nonces.filter((n) => !served(keySlot(oauthStateKey(n.nonce)))).length;
    if (orphans > 0) throw new Error(`${orphans} ledger keys are in slots no master serves`);
  }
  const judged = report.keysChecked + report.unverifiable;
  report.unverifiableShare = judged ? report.unverifiable / judged : 0;
  return report;
}

/** A nonce to read back, and the rule its presence is judged by (pending, consumed, or found gone by its callback). */
interface NonceFact {
  nonce: string;
  judge: (key: string, exists: boolean, now: number) => FactFinding | null;
}

/** One master's share of the sessions: their keys and set memberships, pipelined in batches. */
async function verifySessions(records: readonly LedgerRecord[], master: Redis, ledger: Ledger, liveEvidence: boolean, count: (x: FactFinding) => void, progress: (n: number) => void): Promise<void> {
  for (let i = 0; i < records.length; i += batch) {
    const slice = records.slice(i, i + batch);
    const p = master.pipeline();
    for (const r of slice) p.hget(sessionKey(r.uid, r.sid), 'v').hmget(tokenFamilyKey(r.uid, r.family), 'gen', 'state').exists(refreshTokenKey(r.uid, r.token)).sismember(userSessionsKey(r.uid), r.sid);
    const res = (await p.exec()) ?? [];
    const now = Date.now();
    let k = 0;
    const next = (): unknown => {
      const [e, value] = res[k++]!;
      if (e) throw e;
      return value;
    };
    for (const r of slice) {
      const v = next() as string | null;
      const [gen, state] = (next() as Array<string | null>) ?? [null, null];
      const tok = Number(next()) === 1;
      const member = Number(next()) === 1;
      r.foundVersion = v === null ? null : Number(v);
      r.foundFamilyGen = gen === null || gen === undefined ? null : Number(gen);
      const seen = { session: { version: r.foundVersion }, family: { gen: r.foundFamilyGen, state: state ?? null }, tokenExists: tok, member };
      for (const x of classify(r, seen, { now, mayBeEnded: ledger.mayBeEnded(r), lateLogin: ledger.lateLoginMayRevive(r), setExpiresAt: ledger.setExpiresAt(r.uid), liveEvidence })) {
        count(x);
        if (x.finding === 'lost' || x.finding === 'resurrected') r.verifiedLost = true;
      }
    }
    progress(slice.length);
  }
}

/** Pending nonces must still exist; consumed ones (within their TTL) must never be found again. */
async function verifyNonces(nonces: readonly NonceFact[], master: Redis, count: (x: FactFinding) => void): Promise<void> {
  for (let i = 0; i < nonces.length; i += batch) {
    const slice = nonces.slice(i, i + batch);
    const p = master.pipeline();
    for (const n of slice) p.exists(oauthStateKey(n.nonce));
    const res = (await p.exec()) ?? [];
    const now = Date.now();
    slice.forEach((n, j) => {
      const [e, exists] = res[j]!;
      if (e) throw e;
      const x = n.judge(oauthStateKey(n.nonce), Number(exists) === 1, now);
      if (x) count(x);
    });
  }
}
