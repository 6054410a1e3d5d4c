import type { Ledger, LedgerRecord } from '../ledger/ledger.js';
import type { Strike } from './strikeBefore.js';
import type { ObservedFailover } from './failoverTracker.js';
import type { SentinelEvent } from './sentinelWatch.js';
import type { RecoveryRecord } from './windowRecovery.js';
import type { WriteAvailability, WriteGap } from './writeAvailability.js';

/** What a run saw of failovers and outages, as plain data for the gates and the report. */
export interface FailoverFigures {
  count: number;
  switches: Array<ObservedFailover & { fromStrikeMs: number | null }>;
  gaps: WriteGap[];
  /** The worst client's write gap over every mark (null: some client never confirmably wrote again). */
  clientObservedMs: number | null;
  sentinelEvents: SentinelEvent[];
  /** Sessions whose last acknowledged write was lost though taken during a fault that ended in a master switch (the old master acknowledged it while being replaced), and when. */
  splitBrain: { sessions: number; firstAtMs: number; lastAtMs: number } | null;
  recoveries: RecoveryRecord[];
}

/**
 * Whether a write the ledger holds is on the final master: true at or above its version, false
 * when its session is missing or older with nothing to explain it, null when an acknowledged
 * delete or an errored command makes it impossible to tell (such a write is skipped). A session
 * that ended since (every session logs out in a ramp-down) is judged by its token family, which
 * stays behind revoked: each login and rotation raises the family's generation with the
 * session's version, so a generation at or above the write's version holds that write. A version
 * the app found lost during the run (the ledger's observedOlder) is refused, whatever later writes
 * took the session to.
 */
export function confirmFromLedger(ledger: Ledger): (sid: string, version: number) => boolean | null {
  return (sid, version) => {
    const r = ledger.records.get(sid);
    if (!r || r.foundVersion === undefined) return null;
    // A version the app found lost during the run is not held, whatever later writes took the session to.
    const o = r.observedOlder;
    if (o !== null && version > o.found && version <= o.acknowledged) return false;
    if (r.foundVersion !== null) return r.foundVersion >= version;
    if (r.foundFamilyGen !== undefined && r.foundFamilyGen !== null && r.foundFamilyGen >= version) return true;
    if (r.sessionDeleted || r.mayNotExist || ledger.mayBeEnded(r)) return null;
    return false;
  };
}

export interface FailoverInputs {
  failovers: readonly ObservedFailover[];
  events: readonly SentinelEvent[];
  writes: WriteAvailability;
  recoveries: RecoveryRecord[];
  strikes: readonly Strike[];
  /** The verified ledger (null: not verified; gaps then end at the first success). */
  ledger: Ledger | null;
  /** Wall-clock ms when the load's clock started (the ledger keeps wall time). */
  startedAtWallMs: number;
}

export function failoverFigures(i: FailoverInputs): FailoverFigures {
  const gaps = i.writes.gaps(i.ledger ? confirmFromLedger(i.ledger) : undefined);
  const worst = gaps.length === 0 ? null : gaps.some((g) => g.maxMs === null) ? null : Math.max(0, ...gaps.map((g) => g.maxMs ?? 0));
  const switches = i.failovers.map((f) => {
    const strike = [...i.strikes].reverse().find((s) => s.name === f.cause && s.atMs <= f.atMs);
    return { ...f, fromStrikeMs: strike ? f.atMs - strike.atMs : null };
  });
  return { count: i.failovers.length, switches, gaps, clientObservedMs: worst, sentinelEvents: [...i.events], splitBrain: i.ledger ? splitBrainWrites(i, i.ledger) : null, recoveries: i.recoveries };
}

/**
 * Lost writes that a master acknowledged while a failover was replacing it: acknowledged from a
 * fault's strike to the end of its window, in a window that saw a master switch. A write lost
 * though acknowledged before the strike is asynchronous replication's loss, not split brain.
 */
function splitBrainWrites(i: FailoverInputs, ledger: Ledger): FailoverFigures['splitBrain'] {
  const spans = i.recoveries
    .filter((r) => i.failovers.some((f) => f.atMs >= r.startMs && (r.endMs === null || f.atMs <= r.endMs)))
    .map((r) => ({ from: i.startedAtWallMs + r.startMs, to: r.endMs === null ? Infinity : i.startedAtWallMs + r.endMs }));
  if (spans.length === 0) return null;
  // A loss the app found live is dated by the lost version's acknowledgement, not the writes (or the logout) since.
  const ackedAt = (r: LedgerRecord): number => r.observedOlder?.ackedAt ?? r.logoutFoundGone?.ackedAt ?? r.lastAckAt;
  const lost = [...ledger.records.values()].filter((r) => r.verifiedLost && spans.some((w) => ackedAt(r) >= w.from && ackedAt(r) <= w.to)).map((r) => ackedAt(r) - i.startedAtWallMs);
  return lost.length > 0 ? { sessions: lost.length, firstAtMs: Math.min(...lost), lastAtMs: Math.max(...lost) } : null;
}
