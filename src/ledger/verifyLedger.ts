import type { Redis } from 'ioredis';
import { refreshTokenKey, sessionKey, tokenFamilyKey } from '../load/session/sessionKeys.js';
import type { Ledger, LedgerRecord } from './ledger.js';

export type Finding = 'ok' | 'lost' | 'resurrected' | 'expired' | 'indeterminate';

export interface KeyObservation {
  session: { version: number | null };
  family: { gen: number | null; state: string | null };
  tokenExists: boolean;
}

export interface LedgerExample {
  key: string;
  kind: 'lost' | 'resurrected' | 'stale-read';
  acknowledged: string;
  found: string;
}

export interface LedgerReport {
  keysChecked: number;
  lost: number;
  resurrected: number;
  staleReads: number;
  indeterminate: number;
  expired: number;
  examples: LedgerExample[];
  /** Every lost or resurrected key (capped at 100,000), for reports/<run-id>/ledger-findings.jsonl. */
  findings: LedgerExample[];
}

const sessKey = (r: LedgerRecord): string => sessionKey(r.uid, r.sid);
const famKey = (r: LedgerRecord): string => tokenFamilyKey(r.uid, r.family);
const tokKey = (r: LedgerRecord): string => refreshTokenKey(r.uid, r.token);

/**
 * Classifies one ledger record against what the master holds now (pure: unit-tested).
 * Returns one finding per key with what was expected and found.
 */
export function classify(r: LedgerRecord, seen: KeyObservation, now: number, marginMs = 2000): Array<{ key: string; finding: Finding; acknowledged: string; found: string }> {
  if (r.indeterminate) return [{ key: sessKey(r), finding: 'indeterminate', acknowledged: 'unknown (an operation errored)', found: '' }];
  const out: Array<{ key: string; finding: Finding; acknowledged: string; found: string }> = [];
  const v = seen.session.version;
  if (r.sessionDeleted) {
    out.push({ key: sessKey(r), finding: v === null ? 'ok' : 'resurrected', acknowledged: 'deleted', found: v === null ? 'absent' : `present v=${v}` });
  } else if (r.sessionExpiresAt - marginMs < now) {
    out.push({ key: sessKey(r), finding: 'expired', acknowledged: `v=${r.version}`, found: v === null ? 'absent' : `v=${v}` });
  } else {
    out.push({ key: sessKey(r), finding: v !== null && v >= r.version ? 'ok' : 'lost', acknowledged: `v=${r.version}`, found: v === null ? 'absent' : `v=${v}` });
  }
  const { gen, state } = seen.family;
  if (r.familyRevoked) {
    // A revoked family must never be active again: that would accept a stolen refresh token.
    out.push({ key: famKey(r), finding: state === 'active' ? 'resurrected' : 'ok', acknowledged: 'revoked', found: state ?? 'absent' });
  } else if (r.familyExpiresAt - marginMs < now) {
    out.push({ key: famKey(r), finding: 'expired', acknowledged: `gen=${r.familyGen}`, found: gen === null ? 'absent' : `gen=${gen}` });
  } else {
    const good = gen !== null && gen >= r.familyGen && state === 'active';
    out.push({ key: famKey(r), finding: good ? 'ok' : 'lost', acknowledged: `gen=${r.familyGen} active`, found: gen === null ? 'absent' : `gen=${gen} ${state}` });
    const tokenLive = r.familyExpiresAt - marginMs >= now;
    if (tokenLive) out.push({ key: tokKey(r), finding: seen.tokenExists ? 'ok' : 'lost', acknowledged: 'present', found: seen.tokenExists ? 'present' : 'absent' });
  }
  return out;
}

/** Reads every ledger key from `master` in pipelined batches and classifies. */
export async function verifyLedger(ledger: Ledger, master: Redis, onProgress?: (done: number, total: number) => void): Promise<LedgerReport> {
  const report: LedgerReport = { keysChecked: 0, lost: 0, resurrected: 0, staleReads: ledger.staleReads, indeterminate: 0, expired: 0, examples: [], findings: [] };
  for (const s of ledger.staleExamples.slice(0, 5)) report.examples.push({ ...s, kind: 'stale-read' });
  const records = [...ledger.records.values()];
  const batch = 500;
  for (let i = 0; i < records.length; i += batch) {
    const slice = records.slice(i, i + batch);
    const p = master.pipeline();
    for (const r of slice) p.hget(sessKey(r), 'v').hmget(famKey(r), 'gen', 'state').exists(tokKey(r));
    const res = (await p.exec()) ?? [];
    const now = Date.now();
    slice.forEach((r, k) => {
      const [e1, v] = res[3 * k]!;
      const [e2, fam] = res[3 * k + 1]!;
      const [e3, tok] = res[3 * k + 2]!;
      if (e1 || e2 || e3) throw e1 ?? e2 ?? e3;
      const [gen, state] = (fam as Array<string | null>) ?? [null, null];
      const findings = classify(r, { session: { version: v === null ? null : Number(v) }, family: { gen: gen === null || gen === undefined ? null : Number(gen), state: state ?? null }, tokenExists: Number(tok) === 1 }, now);
      for (const f of findings) {
        if (f.finding === 'indeterminate') {
          report.indeterminate++;
          continue;
        }
        report.keysChecked++;
        if (f.finding === 'lost') report.lost++;
        if (f.finding === 'resurrected') report.resurrected++;
        if (f.finding === 'expired') report.expired++;
        if (f.finding === 'lost' || f.finding === 'resurrected') {
          const example = { key: f.key, kind: f.finding, acknowledged: f.acknowledged, found: f.found };
          if (report.examples.filter((x) => x.kind === f.finding).length < 10) report.examples.push(example);
          if (report.findings.length < 100_000) report.findings.push(example);
        }
      }
    });
    onProgress?.(Math.min(i + batch, records.length), records.length);
  }
  return report;
}
