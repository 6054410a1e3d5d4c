/**
 * Where a capacity sweep goes next, as a pure function of the steps so far (unit-tested without
 * servers). Steps rise by `factor` from `from` until one is over budget (the knee) or the
 * generator could not offer the load (the harness limit, never reported as the target's
 * capacity); when the first step is already over budget the sweep walks down by the same factor
 * until one holds. Between the last step within budget and the first over it, the sweep then
 * bisects (geometric midpoints: the rates are read on a log axis) until the two are within
 * `resolution` of each other.
 */

/** How a step was judged: every gate held; a load gate failed (the target's time); a validity gate failed (the harness's); or it was stopped. */
export type StepClass = 'within' | 'over' | 'harness-limit' | 'interrupted';
export type StepPhase = 'rise' | 'descend' | 'bisect';

export interface SweepSettings {
  /** The first step's offered rate, operations per second. */
  from: number;
  /** Each rising step offers this many times the previous one (> 1). */
  factor: number;
  /** Bisection stops when first-bad / last-good - 1 is at most this (0.05: within 5 %). */
  resolution: number;
  /** No sweep runs more steps than this, bisection included. */
  maxSteps: number;
  /** A descending sweep stops below this rate: the knee is under anything worth measuring. */
  minRate: number;
}

export interface JudgedStep {
  rate: number;
  result: StepClass;
}

export type SweepOutcomeKind = 'knee' | 'harness-limit' | 'no-knee' | 'interrupted';

export interface SweepOutcome {
  kind: SweepOutcomeKind;
  /** The highest rate judged within budget below the knee (null: none was). */
  lastGood: number | null;
  /** The lowest rate over budget above it (null: none was). */
  firstBad: number | null;
  /** The rate at which the generator fell behind (null: it never did). */
  harnessLimit: number | null;
  /** Why the sweep stopped where it did, when that is not plain (step limit, bisection cut short). */
  note: string | null;
}

export type NextMove = { kind: 'step'; rate: number; phase: StepPhase } | { kind: 'stop'; outcome: SweepOutcome };

/** The lowest rate over budget, and the highest within budget below it (any, when none is over); null where there is none. */
const bracket = (steps: readonly JudgedStep[]): { good: number | null; bad: number | null } => {
  const over = steps.filter((s) => s.result === 'over').map((s) => s.rate);
  const bad = over.length ? Math.min(...over) : null;
  const goods = steps.filter((s) => s.result === 'within' && (bad === null || s.rate < bad)).map((s) => s.rate);
  return { good: goods.length ? Math.max(...goods) : null, bad };
};

/** The sweep's outcome of that kind, bracketed by the steps so far. */
export function outcomeOf(kind: SweepOutcomeKind, steps: readonly JudgedStep[], fields: Partial<SweepOutcome> = {}): SweepOutcome {
  const { good, bad } = bracket(steps);
  return { kind, lastGood: good, firstBad: bad, harnessLimit: null, note: null, ...fields };
}

export function nextMove(settings: SweepSettings, steps: readonly JudgedStep[]): NextMove {
  const stop = (kind: SweepOutcomeKind, fields: Partial<SweepOutcome> = {}): NextMove => ({ kind: 'stop', outcome: outcomeOf(kind, steps, fields) });
  if (steps.length === 0) return { kind: 'step', rate: settings.from, phase: 'rise' };
  const last = steps[steps.length - 1]!;
  if (last.result === 'interrupted') return stop('interrupted');
  const { good, bad } = bracket(steps);
  if (last.result === 'harness-limit') {
    // A knee already bracketed by valid steps stands; the harness only cut its bisection short.
    if (bad !== null && good !== null) return stop('knee', { harnessLimit: last.rate, note: `bisection stopped: the generator fell behind at ${last.rate.toFixed(0)} ops/s` });
    return stop('harness-limit', { harnessLimit: last.rate });
  }
  const atLimit = steps.length >= settings.maxSteps;
  if (bad === null) {
    if (atLimit) return stop('no-knee', { note: `no knee within ${settings.maxSteps} steps` });
    return { kind: 'step', rate: (good ?? settings.from) * settings.factor, phase: 'rise' };
  }
  if (good === null) {
    const down = bad / settings.factor;
    if (down < settings.minRate) return stop('knee', { note: `over budget even at ${bad.toFixed(1)} ops/s; not tried lower` });
    if (atLimit) return stop('knee', { note: `no step within budget in ${settings.maxSteps} steps` });
    return { kind: 'step', rate: down, phase: 'descend' };
  }
  if (bad / good - 1 <= settings.resolution) return stop('knee');
  if (atLimit) return stop('knee', { note: `bisection stopped at the step limit (${settings.maxSteps} steps)` });
  return { kind: 'step', rate: Math.sqrt(good * bad), phase: 'bisect' };
}

/**
 * The command's exit code: 0 when the target held the scenario's target rate (the knee lies
 * above it, or no knee was found above it), 1 when the knee lies below it, 2 when the harness
 * was the limit or the sweep was stopped (nothing can be said about the target's capacity).
 */
export function sweepExitCode(o: SweepOutcome, targetRate: number): 0 | 1 | 2 {
  if (o.kind === 'harness-limit' || o.kind === 'interrupted') return 2;
  if (o.kind === 'no-knee') return o.lastGood !== null && o.lastGood >= targetRate ? 0 : 2;
  return o.lastGood !== null && o.lastGood >= targetRate ? 0 : 1;
}

const rate = (x: number): string => `${Math.round(x).toLocaleString('en-US')} ops/s`;

/** The sentence a person reads first. */
export function outcomeLine(o: SweepOutcome, targetRate: number): string {
  const target = `the scenario's target rate ${rate(targetRate)}`;
  switch (o.kind) {
    case 'knee':
      if (o.lastGood === null) return `knee below ${rate(o.firstBad!)}: no step held the budget${o.note ? ` (${o.note})` : ''}; below ${target}`;
      return `knee between ${rate(o.lastGood)} (held) and ${rate(o.firstBad!)} (over budget): capacity ${rate(o.lastGood)}, ${o.lastGood >= targetRate ? 'above' : 'below'} ${target}${o.note ? `; ${o.note}` : ''}`;
    case 'harness-limit':
      return `harness limit at ${rate(o.harnessLimit!)}: add workers or machines (the generator, not the target, fell behind; the target held ${o.lastGood === null ? 'no step before it' : rate(o.lastGood)}; not the target's capacity)`;
    case 'no-knee':
      return `no knee found: the target held every step up to ${o.lastGood === null ? '-' : rate(o.lastGood)} (${o.note ?? 'step limit'}); ${o.lastGood !== null && o.lastGood >= targetRate ? 'above' : 'not shown to reach'} ${target}`;
    case 'interrupted':
      return `sweep stopped before it found the knee${o.lastGood === null ? '' : `; the target held ${rate(o.lastGood)}`}${o.firstBad === null ? '' : `, was over budget at ${rate(o.firstBad)}`}`;
  }
}
