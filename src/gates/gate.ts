/**
 * One pass/fail rule of a run, whatever it judges: a scenario threshold, a chaos gate, a
 * procedure's check, the ledger, the generator's validity, a regression against a baseline.
 * Built in src/gates/buildGates.ts, judged by `judge` below, reported by src/report.
 */
export const gateKinds = [
  /** Acknowledged writes kept, deletes and revocations stayed done, healthy after healing: a failure is always `fail`. */
  'correctness',
  /** The harness could measure (generator kept up, the run completed): a failure makes the run `invalid`. */
  'validity',
  'latency',
  'errors',
  'throughput',
  /** Failover happened (or not) as expected, in time; clients wrote again. */
  'availability',
  /** Every chaos step struck and completed. */
  'chaos',
  /** A runbook procedure's own checks. */
  'procedure',
  /** Against a baseline run, beyond tolerance. */
  'regression',
] as const;
export type GateKind = (typeof gateKinds)[number];

export interface Gate {
  name: string;
  kind: GateKind;
  limit: string;
  actual: string;
  pass: boolean;
  /**
   * A failed validity gate that does not decide the verdict, and why: the figures it doubts
   * still show a failure the harness cannot have caused. Reported as failed all the same.
   */
  outweighed?: string;
  /**
   * A failed validity gate's: the kinds of failed gates that are the generator's own doing (its
   * stalls made the latency breach). When the run fails on something else, its reason names
   * those apart, not as the target's.
   */
  explains?: readonly GateKind[];
}

/** A gate as the reports keep it (summary.json, capacity.json): what was judged and how, without `explains` (used by `judge` alone). */
export function reportedGate(g: Gate): Omit<Gate, 'explains'> {
  return { name: g.name, kind: g.kind, limit: g.limit, actual: g.actual, pass: g.pass, ...(g.outweighed !== undefined ? { outweighed: g.outweighed } : {}) };
}

export type Verdict = 'pass' | 'fail' | 'invalid';

export interface Judgement {
  verdict: Verdict;
  reason: string;
}

const describe = (gates: readonly Gate[]): string => gates.map((g) => `${g.name} (${g.actual}, limit ${g.limit})`).join('; ');

/**
 * The verdict, in this order: a correctness failure is `fail` whatever else happened (a
 * saturated generator never masks a lost write); else a validity failure is `invalid` (the
 * figures say nothing about the target) unless it is outweighed (they show a breach the harness
 * cannot have caused); else any failed gate that is not a validity gate is `fail`; else an
 * outweighed gate alone is `invalid` (nothing it outweighs failed); else `pass`.
 */
export function judge(gates: readonly Gate[]): Judgement {
  const failed = gates.filter((g) => !g.pass);
  // What the target failed: validity gates (outweighed ones too) are the harness's, never a run's failure by themselves.
  const target = failed.filter((g) => g.kind !== 'validity');
  if (target.some((g) => g.kind === 'correctness')) return { verdict: 'fail', reason: `failed: ${describe(target)}` };
  const validity = failed.filter((g) => g.kind === 'validity' && g.outweighed === undefined);
  if (validity.length > 0) return { verdict: 'invalid', reason: `invalid: ${describe(validity)}` };
  if (target.length > 0) {
    const explained = new Set(failed.flatMap((g) => g.explains ?? []));
    const own = target.filter((g) => explained.has(g.kind));
    const theirs = target.filter((g) => !explained.has(g.kind));
    if (own.length === 0 || theirs.length === 0) return { verdict: 'fail', reason: `failed: ${describe(target)}` };
    return { verdict: 'fail', reason: `failed: ${describe(theirs)}; also failed, on the generator's own stalls: ${own.map((g) => g.name).join('; ')}` };
  }
  if (failed.length > 0) return { verdict: 'invalid', reason: `invalid: ${describe(failed)}` };
  return { verdict: 'pass', reason: `all ${gates.length} gates held` };
}
