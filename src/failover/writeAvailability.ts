import type { OperationEvent, OperationObserver } from '../load/operationEvent.js';

/** Writes after a fault kept per client: enough to find the first confirmed one behind a split brain. */
const candidatesPerClient = 2000;

/**
 * Writes after a fault that the ledger may later confirm, one client's, oldest first: logins
 * (version 1) and refreshes (their version). Kept in arrays made once per client and mark: a
 * record per write would be garbage that outlives the young generation on the reply path, for
 * the seconds after every failover (the time it takes to fill).
 */
class CandidateWrites {
  readonly sids: string[] = new Array<string>(candidatesPerClient).fill('');
  readonly versions = new Float64Array(candidatesPerClient);
  readonly doneMs = new Float64Array(candidatesPerClient);
  length = 0;

  add(sid: string, version: number, doneMs: number): void {
    if (this.length >= candidatesPerClient) return;
    const i = this.length++;
    this.sids[i] = sid;
    this.versions[i] = version;
    this.doneMs[i] = doneMs;
  }

  /** When the first write `confirm` accepts was acknowledged, or undefined. */
  firstConfirmedAt(confirm: (sid: string, version: number) => boolean | null): number | undefined {
    for (let i = 0; i < this.length; i++) if (confirm(this.sids[i]!, this.versions[i]!) === true) return this.doneMs[i];
    return undefined;
  }
}

interface FaultMark {
  atMs: number;
  label: string;
  /** The shard it struck (a cluster): only operations on that shard's keys are its gap's; null: all. */
  lane: number | null;
  /** Per client: its last successful operation completed before the mark. */
  before: number[];
  /** Per client: its first successful operation sent after the mark (the unconfirmed end of the gap). */
  firstOk: number[];
  /** Per client: acknowledged writes sent after the mark, oldest first (at most `candidatesPerClient`). */
  writes: CandidateWrites[];
}

export interface WriteGap {
  atMs: number;
  label: string;
  /** The shard whose keys the gap was measured on (a fault on one shard of a cluster); null: all keys. */
  shard: number | null;
  /** The worst client's gap in ms; null when some client never (confirmably) wrote again. */
  maxMs: number | null;
  perClientMs: Array<number | null>;
  /** How the gaps end: at the first write the ledger confirmed, or (no verification) the first success. */
  endsAt: 'confirmed write' | 'first success';
}

/** Keeps the later of `times[client]` and `ms`; clients not seen before start at 0 (never succeeded). */
function keepLater(times: number[], client: number, ms: number): void {
  for (let i = times.length; i <= client; i++) times.push(0);
  if (ms > times[client]!) times[client] = ms;
}

/**
 * Client-observed write unavailability around each fault: for every app client, from its last
 * successful operation completed before the fault to the first acknowledged write sent after it
 * that the ledger later confirms on the final master. A write the isolated old master took in a
 * split brain succeeds for the client, but is lost: it does not end the gap. Without a
 * verification pass, the gap ends at the first success, and the report says so.
 */
export class WriteAvailability implements OperationObserver {
  private lastOk: number[] = [];
  /** Per shard, per client: last success (only with lanes). */
  private readonly laneLastOk: number[][];
  private readonly marks: FaultMark[] = [];

  /**
   * `lanes`: on a cluster, which shard each operation went to. A fault on one shard (a killed
   * master) leaves the other shards writing; its gap is measured on its own shard's keys.
   */
  constructor(private readonly lanes: { count: number; of(e: Readonly<OperationEvent>): number } | null = null) {
    this.laneLastOk = Array.from({ length: lanes?.count ?? 0 }, () => []);
  }

  onOperation(e: Readonly<OperationEvent>): void {
    if (e.error !== null) return;
    const c = e.client;
    keepLater(this.lastOk, c, e.doneMs);
    const lane = this.lanes ? this.lanes.of(e) : -1;
    if (lane >= 0) keepLater(this.laneLastOk[lane]!, c, e.doneMs);
    for (let i = 0; i < this.marks.length; i++) {
      const m = this.marks[i]!;
      if (m.lane !== null && m.lane !== lane) continue;
      if (e.doneMs <= m.atMs) {
        if (e.doneMs > (m.before[c] ?? 0)) m.before[c] = e.doneMs;
        continue;
      }
      if (e.sentMs < m.atMs) continue;
      if (m.firstOk[c] === undefined) m.firstOk[c] = e.doneMs;
      if (e.action === 'login' || (e.action === 'refresh' && e.outcome === 'ok')) (m.writes[c] ??= new CandidateWrites()).add(e.session.sid, e.session.version, e.doneMs);
    }
  }

  /** A fault struck (or a failover was seen) at `atMs`, on one shard when `shard` is given: gaps are measured around it from now on. */
  markFault(atMs: number, label = 'fault', shard?: number): void {
    const lane = this.laneOf(shard);
    this.marks.push({ atMs, label, lane, before: [...this.lastOkOn(lane)], firstOk: [], writes: [] });
  }

  /** The earliest last success among the clients now (on one shard's keys when given): when the current outage began, as the clients saw it. */
  gapStart(shard?: number): number {
    const last = this.lastOkOn(this.laneOf(shard));
    return last.length ? Math.min(...last) : 0;
  }

  /** The lane a fault on `shard` is measured on; null (all keys) without lanes or for a shard they do not have. */
  private laneOf(shard: number | undefined): number | null {
    return shard !== undefined && this.lanes && shard >= 0 && shard < this.lanes.count ? shard : null;
  }

  /** Per client, its last success on the lane's keys (all keys for null). */
  private lastOkOn(lane: number | null): number[] {
    return lane === null ? this.lastOk : this.laneLastOk[lane]!;
  }

  /**
   * Per mark: each client's gap, ending at its first write `confirm` accepts (true: on the final
   * master at or above that version; false: lost; null: cannot tell, skipped). Without `confirm`
   * the gap ends at the first success.
   */
  gaps(confirm?: (sid: string, version: number) => boolean | null): WriteGap[] {
    return this.marks.map((m) => {
      const clients = m.before.map((b, c) => (b > 0 ? c : -1)).filter((c) => c >= 0);
      const perClientMs = clients.map((c) => {
        let end: number | undefined;
        if (confirm) end = m.writes[c]?.firstConfirmedAt(confirm);
        else end = m.firstOk[c];
        return end === undefined ? null : Math.round(end - m.before[c]!);
      });
      const maxMs = perClientMs.some((g) => g === null) ? null : Math.max(0, ...(perClientMs as number[]));
      return { atMs: m.atMs, label: m.label, shard: m.lane, maxMs, perClientMs, endsAt: confirm ? 'confirmed write' : 'first success' };
    });
  }

  /** When the last client that had written before mark `i` first succeeded after it, or null: not every one has yet (recovery needs the clients back). */
  clientsBackAt(i: number): number | null {
    const m = this.marks[i];
    if (!m) return null;
    let last = m.atMs;
    for (let c = 0; c < m.before.length; c++) {
      if (!m.before[c]) continue;
      const ok = m.firstOk[c];
      if (ok === undefined) return null;
      if (ok > last) last = ok;
    }
    return last;
  }

  get markCount(): number {
    return this.marks.length;
  }
}
