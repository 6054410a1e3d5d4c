import { breachBeyondGenerator, latencyBreaches, type Attribution } from '../attribution/latencyAttribution.js';
import type { LoadResult } from '../load/loadResult.js';
import { chaosBreachBeyondGenerator } from './chaosBeyondGenerator.js';
import type { ChaosJudged } from './chaosGates.js';
import type { Gate } from './gate.js';

/** The gate a generator that fell behind its schedule fails (what makes a run `invalid`). */
export const keptScheduleGate = 'generator kept up with its schedule';

/** The gate a run fails when its latency breaches are the generator's own stalls (it is then `invalid`). */
export const ownBreachGate = "a latency breach is the target's time, not the generator's";

type Breach = ReturnType<typeof latencyBreaches>[number];

/**
 * A failed error-rate gate the generator's stalls cannot have made: errors are the target's
 * replies and the commands it left unanswered past their timeout. A stall can add to a timed-out
 * wait twice its length (the reply read late, and the burst of sends it leaves queued at the
 * target, as in `breachBeyondGenerator`); when the generator's longest event-loop delay is under
 * a quarter of the timeout, at least half of every timed-out wait was still the target's. Then a
 * latency breach that is the generator's own does not make the run `invalid`: it fails on the
 * errors, and the report says the breach was the generator's. (A lagging generator still does:
 * this outweighs only the own-breach gate.)
 */
export function errorsBeyondGenerator(loadGates: readonly Gate[], g: Pick<LoadResult['generator'], 'eventLoopDelayMs'>, commandTimeoutMs: number): string | null {
  const errors = loadGates.find((x) => x.kind === 'errors' && !x.pass);
  if (!errors || !(g.eventLoopDelayMs.max < commandTimeoutMs / 4)) return null;
  return `the ${errors.name} failed (${errors.actual}): errors are the target's replies and timeouts, and the generator's longest event-loop delay (${g.eventLoopDelayMs.max} ms) is under a quarter of the ${commandTimeoutMs} ms command timeout`;
}

/** A breach's cause, named by the operation type that breached when it is one. */
const said = (b: Breach, text: string): string => (b.op === null ? text : `${b.op}: ${text}`);

/** What the breach gate says: none, the generator's (every one), or those the target made. */
function whoseBreaches(breaches: readonly Breach[], own: boolean, notDecisive: string | null): string {
  if (breaches.length === 0) return 'no breach';
  if (own) return `the generator's: ${breaches.map((b) => said(b, b.cause.why)).join('; ')}${notDecisive ? `; not decisive: ${notDecisive}` : ''}`;
  return breaches.filter((b) => b.cause.who !== 'generator').map((b) => said(b, `${b.cause.who}: ${b.cause.why}`)).join('; ');
}

/**
 * The gate a generator behind its schedule fails (the run's lag, over the run's whole time);
 * `outweighedBy`, when it failed: a breach its lateness cannot have made, which then decides.
 */
export function keptScheduleGateOf(g: Pick<LoadResult['generator'], 'saturated' | 'reason' | 'schedulerLagOutsideChaosMs'>, limitMs: number, outweighedBy: string | null): Gate {
  const by = g.saturated ? outweighedBy : null;
  const lag = g.reason ?? `scheduler lag p99 ${g.schedulerLagOutsideChaosMs.p99} ms outside chaos windows`;
  return {
    name: keptScheduleGate,
    kind: 'validity',
    limit: `scheduler lag p99 outside chaos windows <= ${limitMs} ms`,
    actual: by ? `${lag}; not decisive: ${by}` : lag,
    pass: !g.saturated,
    ...(by ? { outweighed: by } : {}),
  };
}

/**
 * The gate a latency breach made of the generator's own stalls fails, judged on an attribution
 * (a run's, or a capacity step's hold's); `outweighedBy`, when the breach is the generator's: a
 * breach of another kind it cannot have made, which then decides the verdict instead.
 */
export function ownBreachGateOf(attribution: Attribution | null, outweighedBy: string | null): Gate {
  const breaches = attribution ? latencyBreaches(attribution) : [];
  // The generator's doing only when every breach weighed is: one the target made stands.
  const own = breaches.length > 0 && breaches.every((b) => b.cause.who === 'generator');
  const by = own ? outweighedBy : null;
  return {
    name: ownBreachGate,
    kind: 'validity',
    limit: 'the generator neither stalled nor queued its way over a p99 budget (all operations, or each type judged on its own)',
    actual: whoseBreaches(breaches, own, by),
    pass: !own,
    ...(by ? { outweighed: by } : {}),
    ...(own ? { explains: ['latency', 'throughput'] as const } : {}),
  };
}

/** What a run's validity is judged on beside its generator and schedule. */
export interface ValidityFacts {
  /** Why the run stopped early (e.g. SIGINT), when it did. */
  abortReason?: string | null;
  /** Where the p99 went; null or absent when nothing was attributed. */
  attribution?: Attribution | null;
  /** The chaos experiment's judged figures, when one ran. */
  chaos?: ChaosJudged | null;
  /** Why the target's errors outweigh the generator's own latency breach (errorsBeyondGenerator), if they do. */
  errorsBeyond?: string | null;
}

/**
 * Could the harness measure? The generator kept its schedule (scheduler lag per dispatch within
 * 10 % of the p99 budget unless the scenario says otherwise), its latency breaches (the p99 of all
 * operations, else each type's own: latencyBreaches) are not all the generator's own stalls, and the run went to
 * its end. A late generator does not decide the
 * verdict when the figures show a breach it cannot have made (reply times beyond its longest
 * delay; an experiment's write gap, failover time or procedure checks beyond what its lateness can
 * add: chaosBeyondGenerator.ts):
 * the run then fails on that breach, and the lag gate still shows. Its own latency breach does not
 * decide the verdict either beside such a breach or beside the target's errors (`errorsBeyond`).
 */
export function validityGates(load: Pick<LoadResult, 'generator' | 'aborted' | 'durationMs'>, plannedMs: number, facts: ValidityFacts = {}): Gate[] {
  const { abortReason = null, attribution = null, chaos = null, errorsBeyond = null } = facts;
  const g = load.generator;
  const chaosBeyond = chaosBreachBeyondGenerator(chaos, load.durationMs, g);
  return [
    keptScheduleGateOf(g, g.maxSchedulerLagP99Ms, (attribution ? breachBeyondGenerator(attribution) : null) ?? chaosBeyond),
    // The generator's stalls explain a latency breach, not a stranded client, a late failover or the target's errors.
    ownBreachGateOf(attribution, chaosBeyond ?? errorsBeyond),
    {
      name: 'the run went to the end of its schedule',
      kind: 'validity',
      limit: `${(plannedMs / 1000).toFixed(0)} s`,
      actual: load.aborted ? `stopped early at ${(load.durationMs / 1000).toFixed(1)} s${abortReason ? ` (${abortReason})` : ''}: a run that did not finish cannot pass; rerun it` : 'completed',
      pass: !load.aborted,
    },
  ];
}
