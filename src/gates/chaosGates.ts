import type { ChaosOutcome, ChaosStepRecord } from '../chaos/chaosRunner.js';
import type { FailoverFigures } from '../failover/failoverReport.js';
import type { WriteGap } from '../failover/writeAvailability.js';
import type { Gate } from './gate.js';

const stepActual = (s: ChaosStepRecord): string => {
  switch (s.outcome) {
    case 'completed':
      return `struck at ${(s.atMs / 1000).toFixed(1)} s and completed`;
    case 'failed':
      return s.detail;
    case 'never-ran':
      return `never ran (scheduled at ${(s.scheduledAtMs / 1000).toFixed(1)} s)`;
    case 'still-running':
      return 'still running when the run ended';
  }
};

/** Default limits derive from the topology's down-after-milliseconds (a cluster: cluster-node-timeout), not a flat 30 s. */
export const failoverBudgetMs = 5000;
export const clientReconnectBudgetMs = 2000;

/** The worst client's write gap after the struck steps, as the write-gap gate judges it. */
export interface JudgedWriteGap {
  /** undefined: no step struck; null: some client never wrote again. */
  worstMs: number | null | undefined;
  limitMs: number;
  endsAt: WriteGap['endsAt'];
}

/** The write gap an experiment judges (null when it judges none: no failover expected and no limit set). */
export function judgedWriteGap(c: ChaosOutcome, f: FailoverFigures): JudgedWriteGap | null {
  const t = c.thresholds;
  if (t.maxWriteUnavailabilityMs === undefined && t.expectFailover !== true) return null;
  const marks = new Set(c.steps.filter((s) => s.struck).map((s) => s.markIndex));
  const gaps = f.gaps.filter((_, i) => marks.has(i));
  return {
    worstMs: gaps.length === 0 ? undefined : gaps.some((g) => g.maxMs === null) ? null : Math.max(0, ...gaps.map((g) => g.maxMs ?? 0)),
    limitMs: t.maxWriteUnavailabilityMs ?? c.downAfterMs + failoverBudgetMs + clientReconnectBudgetMs,
    endsAt: gaps[0]?.endsAt ?? 'confirmed write',
  };
}

/** The failover time an experiment that expects a failover judges. */
export interface JudgedFailoverTime {
  limitMs: number;
  /** Strike to the first switch a step caused; null: none came. */
  fromStrikeMs: number | null;
  /** The step that caused that switch. */
  cause: string | null;
}

export function judgedFailoverTime(c: Pick<ChaosOutcome, 'thresholds' | 'downAfterMs'>, f: Pick<FailoverFigures, 'switches'>): JudgedFailoverTime | null {
  if (c.thresholds.expectFailover !== true) return null;
  const first = f.switches.find((x) => x.cause !== null);
  return { limitMs: c.thresholds.failoverWithinMs ?? c.downAfterMs + failoverBudgetMs, fromStrikeMs: first?.fromStrikeMs ?? null, cause: first?.cause ?? null };
}

/** What an experiment measured that its gates judge and a late generator might be blamed for: computed once, read by chaosGates and validityGates. */
export interface ChaosJudged {
  outcome: Pick<ChaosOutcome, 'steps' | 'checks'>;
  writeGap: JudgedWriteGap | null;
  failoverTime: JudgedFailoverTime | null;
}

export function judgeChaos(c: ChaosOutcome, f: FailoverFigures | null): ChaosJudged {
  return { outcome: c, writeGap: f ? judgedWriteGap(c, f) : null, failoverTime: f ? judgedFailoverTime(c, f) : null };
}

/**
 * What an experiment must show: every step struck and ran to completion (a fault that could not
 * be injected proves nothing), the failover expectation, the failover's own time and the worst
 * client's write gap (limits from down-after-milliseconds unless the experiment sets them), each
 * procedure's checks, each drill's restore against the ledger, and a healthy topology after
 * healing.
 */
export function chaosGates(c: ChaosOutcome, f: FailoverFigures, judged: Pick<ChaosJudged, 'writeGap' | 'failoverTime'>): Gate[] {
  const gates: Gate[] = c.steps.map((s) => ({
    name: `${s.name}: ${s.procedure ? 'procedure' : 'fault'} ran to completion`,
    kind: 'chaos',
    limit: 'struck and completed',
    actual: stepActual(s),
    pass: s.outcome === 'completed' && s.struck,
  }));
  const t = c.thresholds;
  const caused = f.switches.filter((x) => x.cause !== null);
  if (t.expectFailover !== undefined) {
    gates.push({
      name: t.expectFailover ? 'a failover happened' : 'no failover happened',
      kind: 'availability',
      limit: t.expectFailover ? '>= 1 master switch' : '0 master switches',
      actual: `${f.count} master switch(es)`,
      pass: t.expectFailover ? caused.length >= 1 : f.count === 0,
    });
  }
  const cluster = c.detectionSetting === 'cluster-node-timeout';
  const detection = `${cluster ? 'cluster-node-timeout' : 'down-after'} ${c.downAfterMs} ms`;
  const failover = judged.failoverTime;
  if (failover) {
    const { limitMs: limit, fromStrikeMs, cause } = failover;
    gates.push({
      name: cluster ? "cluster failover time (strike to the replica's promotion)" : 'sentinel failover time (strike to +switch-master)',
      kind: 'availability',
      limit: `<= ${limit} ms${t.failoverWithinMs === undefined ? ` (${detection} + ${failoverBudgetMs} ms)` : ''}`,
      actual: fromStrikeMs !== null ? `${fromStrikeMs} ms (${cause})` : 'no master switch after the strike',
      pass: fromStrikeMs !== null && fromStrikeMs <= limit,
    });
  }
  const gap = judged.writeGap;
  if (gap) {
    const { worstMs: worst, limitMs: limit, endsAt } = gap;
    gates.push({
      name: 'client-observed write unavailability (worst client)',
      kind: 'availability',
      limit: `<= ${limit} ms${t.maxWriteUnavailabilityMs === undefined ? ` (${detection} + ${failoverBudgetMs + clientReconnectBudgetMs} ms)` : ''}`,
      actual: worst === undefined ? 'not measured: no step struck' : worst === null ? `unbounded: some client never wrote again (${endsAt === 'confirmed write' ? 'no write of it confirmed on the final master' : 'no success'})` : `${worst} ms (to the first ${endsAt})`,
      pass: worst !== undefined && worst !== null && worst <= limit,
    });
  }
  for (const check of c.checks) gates.push({ ...check, kind: 'procedure' });
  for (const d of c.drills) {
    const v = d.verification;
    gates.push({
      name: `${d.name}: the restore holds what the ledger acknowledged`,
      kind: 'correctness',
      limit: 'lost 0, resurrected 0',
      actual: v ? `${v.keysChecked} keys checked: lost ${v.lost}, resurrected ${v.resurrected}` : `not verified: ${d.error ?? 'unknown'}`,
      pass: v !== null && v.keysChecked > 0 && v.lost === 0 && v.resurrected === 0,
    });
  }
  gates.push({
    name: 'topology healthy again after healing',
    kind: 'correctness',
    limit: `within ${c.thresholds.healthyWithinMs} ms`,
    actual: c.health.healthy ? 'healthy' : c.health.problems.join('; '),
    pass: c.health.healthy,
  });
  return gates;
}
