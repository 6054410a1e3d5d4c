import type { FailoverWatch, WatchEvent } from './failoverWatch.js';
import { strikeBefore, type Strike } from './strikeBefore.js';
import type { WindowRecovery, RecoveryRecord } from './windowRecovery.js';
import type { WriteAvailability } from './writeAvailability.js';

/** A master switch the watch saw, and what gauntlet knows about it. */
export interface ObservedFailover {
  /** When the switch was seen (ms since the load started). */
  atMs: number;
  from: string | null;
  to: string;
  seenBy: 'event' | 'poll';
  /** The sentinels' view: from their first +sdown of the old master to the switch; on a cluster, from the first node flagging it fail? or fail (null: neither seen). */
  sdownToSwitchMs: number | null;
  /** The chaos step that caused it, or null: it happened outside gauntlet (a person, a provider's test failover). */
  cause: string | null;
  /** On a cluster: the shard whose master changed. */
  shard?: number;
  /** For a failover outside gauntlet: the write-gap mark and the window opened for it. */
  markIndex: number | null;
  recovery: RecoveryRecord | null;
}

/** A failover seen this long after a chaos step's strike is that step's doing. */
const attributionMs = 60_000;

/**
 * Turns the watch's master switches into failovers: each attributed to the chaos step that
 * struck shortly before it, or, when none did, treated like one gauntlet caused: the clients'
 * write gap is measured around it and a chaos window opens from when the clients last
 * succeeded (the outage as they saw it) until recovery, so the steady-state gates judge the
 * steady state and the failover gates judge the failover.
 */
export class FailoverTracker {
  readonly failovers: ObservedFailover[] = [];
  private handled = 0;

  constructor(
    private readonly masterName: string,
    private readonly watch: FailoverWatch,
    private readonly writes: WriteAvailability,
    private readonly recovery: WindowRecovery,
    private readonly strikes: () => readonly Strike[],
    private readonly maxRecoveryMs: number,
  ) {}

  /** Once a second: look at the switches seen since. */
  onSecond(): void {
    const changes = this.watch.changes;
    for (; this.handled < changes.length; this.handled++) {
      const c = changes[this.handled]!;
      const previous = this.handled > 0 ? changes[this.handled - 1]!.atMs : -Infinity;
      // The first sign the old master was down: a sentinel's +sdown, or a cluster node flagging it
      // fail? (PFAIL) or, when PFAIL turned into FAIL between two polls of the watch, fail.
      const firstSign = (e: WatchEvent): boolean => (e.event === '+sdown' && e.detail.startsWith(`master ${this.masterName} `)) || ((e.event === '+pfail' || e.event === '+fail') && c.from !== null && e.detail === `master ${c.from}`);
      const sdown = this.watch.events.find((e) => firstSign(e) && e.atMs > previous && e.atMs <= c.atMs);
      const strike = strikeBefore(this.strikes(), c.atMs);
      const cause = strike && c.atMs - strike.atMs <= attributionMs ? strike.name : null;
      const f: ObservedFailover = { atMs: c.atMs, from: c.from, to: c.to, seenBy: c.seenBy, sdownToSwitchMs: sdown ? c.atMs - sdown.atMs : null, cause, markIndex: null, recovery: null, ...(c.shard !== undefined ? { shard: c.shard } : {}) };
      if (cause === null) {
        const start = Math.min(this.writes.gapStart(c.shard), sdown?.atMs ?? c.atMs);
        this.writes.markFault(start, 'failover outside gauntlet', c.shard);
        const mark = this.writes.markCount - 1;
        f.markIndex = mark;
        f.recovery = this.recovery.watch({
          label: 'failover outside gauntlet',
          startMs: start,
          faultDone: () => true,
          needsFailover: true,
          failoverSeenAtMs: () => c.atMs,
          clientsBackAtMs: () => this.writes.clientsBackAt(mark),
          maxMs: this.maxRecoveryMs,
        });
      }
      this.failovers.push(f);
    }
  }
}
