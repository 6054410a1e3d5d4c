import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Ledger } from '../checks/ledger.js';
import type { ThresholdResult } from '../checks/thresholds.js';
import type { StartedTopology } from '../topology/startedTopology.js';
import { buildFault, stepOffsetMs, type Experiment } from './experiment.js';
import type { DrillReport, Fault, FaultContext } from './faults.js';
import { SentinelTimeline, type SentinelEvent } from './sentinelTimeline.js';
import { WriteAvailability } from './writeAvailability.js';

export interface ChaosStepRecord {
  name: string;
  atMs: number;
  endMs: number | null;
  detail: string;
}

export interface ChaosOutcome {
  experiment: string;
  steps: ChaosStepRecord[];
  failover: { count: number; clientObservedMs: number | null; clientObservedPerClientMs: Array<Array<number | null>>; sentinelEvents: Array<{ t: string; sentinel: string; event: string; detail: string }> };
  thresholds: ThresholdResult[];
  timeline: SentinelEvent[];
  /** Recovery drills (backup-restore, point-in-time-restore), filled in by `runDrills`. */
  drills: DrillReport[];
}

/** A step's fault, its record, how it ended ('completed', an error, or null while running) and its promise once started. */
interface StepEntry {
  step: Experiment['steps'][number];
  fault: Fault;
  record: ChaosStepRecord;
  outcome: string | null;
  running: Promise<void> | null;
}

/** How long `finish` waits for steps still running when the load ends. */
const stepFinishTimeoutMs = 120_000;

/** After a fault, the generator may legitimately fall behind for this long (reconnect storms). */
const chaosWindowSlackMs = 30_000;

/**
 * Runs an experiment's timed steps during a load run on a topology gauntlet controls, watches
 * the sentinels and the clients, then heals every fault, resets every proxy and waits until the
 * topology is healthy again.
 */
export class ChaosRunner {
  private readonly faults: StepEntry[];
  readonly writes = new WriteAvailability();
  private timeline: SentinelTimeline | null = null;
  private clock: () => number = () => 0;
  private appClients: readonly Redis[] = [];

  constructor(
    private readonly experiment: Experiment,
    private readonly topology: StartedTopology,
    private readonly ledger: Ledger,
  ) {
    this.faults = experiment.steps.map((step) => {
      const fault = buildFault(step.fault);
      return { step, fault, record: { name: fault.kind, atMs: 0, endMs: null, detail: fault.describe() }, outcome: null, running: null };
    });
  }

  private context(): FaultContext {
    return { ledger: this.ledger, appClients: this.appClients, workDir: join(this.topology.dir, 'chaos', `${this.experiment.name}-${process.pid}`) };
  }

  /** Engine hooks: when each step starts and how long its chaos window lasts. */
  hooks(runMs: number): Array<{ atMs: number; windowMs: number; run: () => Promise<void> }> {
    return this.faults.map((entry) => {
      entry.record.atMs = stepOffsetMs(entry.step.at, runMs);
      const duration = 'duration' in entry.step.fault ? entry.step.fault.duration : 0;
      return { atMs: entry.record.atMs, windowMs: duration + chaosWindowSlackMs, run: () => (entry.running = this.runStep(entry)) };
    });
  }

  /** One step: inject its fault, time the strike, and record how it ended. */
  private async runStep(entry: StepEntry): Promise<void> {
    const { fault, record } = entry;
    let struck = false;
    const strike = (): void => {
      struck = true;
      record.atMs = Math.round(this.clock());
      this.writes.markFault(this.clock());
    };
    try {
      const ctx = this.context();
      await mkdir(ctx.workDir, { recursive: true });
      record.detail = await fault.inject(this.topology, strike, ctx);
      entry.outcome = 'completed';
      if (!struck) strike();
    } catch (e) {
      entry.outcome = `could not inject: ${(e as Error).message}`;
      record.detail = entry.outcome;
    }
    record.endMs = Math.round(this.clock());
  }

  /** Why the experiment cannot run on this topology (a TLS procedure on a plaintext one), or null. */
  unmetPrecondition(): string | null {
    for (const { fault } of this.faults) {
      const why = fault.precondition?.(this.topology);
      if (why) return why;
    }
    return null;
  }

  hasDrills(): boolean {
    return this.faults.some((f) => f.fault.drill !== undefined);
  }

  /** Master switches seen so far (for live metrics). */
  failoverCount(): number {
    return this.timeline?.failovers().length ?? 0;
  }

  async start(clock: () => number, appClients: readonly Redis[]): Promise<void> {
    this.clock = clock;
    this.appClients = appClients;
    this.timeline = new SentinelTimeline(clock);
    await this.timeline.start(this.topology);
  }

  /** Heal everything, reset proxies, wait for health; then compute the chaos figures and gates. */
  async finish(): Promise<ChaosOutcome> {
    // A procedure may outlast the load (a replica's full sync, sentinel rediscovery): let every
    // started step end before healing, so healing never races the step and its outcome is known.
    const running = this.faults.flatMap((f) => (f.running ? [f.running] : []));
    await Promise.race([Promise.all(running), sleep(stepFinishTimeoutMs, undefined, { ref: false })]);
    for (const f of this.faults) if (f.running && f.outcome === null) f.outcome = `still running ${stepFinishTimeoutMs / 1000} s after the load ended`;
    for (const { fault } of this.faults) await fault.heal(this.topology).catch(() => undefined);
    await this.topology.resetProxies().catch(() => undefined);
    const health = await this.topology.waitHealthy(this.experiment.thresholds.healthyWithinMs);
    this.timeline?.stop();
    const failovers = this.timeline?.failovers() ?? [];
    const gaps = this.writes.gaps();
    const worst = gaps.some((g) => g.maxMs === null) ? null : Math.max(0, ...gaps.map((g) => g.maxMs ?? 0));
    const t = this.experiment.thresholds;
    const thresholds: ThresholdResult[] = [];
    if (t.expectFailover !== undefined) {
      thresholds.push({
        name: t.expectFailover ? 'a failover happened' : 'no failover happened',
        limit: t.expectFailover ? '>= 1 master switch' : '0 master switches',
        actual: `${failovers.length} master switch(es)`,
        pass: t.expectFailover ? failovers.length >= 1 : failovers.length === 0,
      });
    }
    if (t.maxWriteUnavailabilityMs !== undefined) {
      thresholds.push({
        name: 'client-observed write unavailability (worst client)',
        limit: `<= ${t.maxWriteUnavailabilityMs} ms`,
        actual: worst === null ? 'some client never wrote again' : `${worst} ms`,
        pass: worst !== null && worst <= t.maxWriteUnavailabilityMs,
      });
    }
    for (const { fault, outcome } of this.faults) {
      if (!fault.gates && !fault.drill) continue;
      // A procedure that stopped half-way (or never started) must fail the run, whatever its own checks say.
      thresholds.push({ name: `${fault.kind}: procedure ran to completion`, limit: 'completed', actual: outcome ?? 'the step never ran', pass: outcome === 'completed' });
      if (fault.gates) thresholds.push(...(await fault.gates(this.topology)));
    }
    thresholds.push({
      name: 'topology healthy again after healing',
      limit: `within ${t.healthyWithinMs} ms`,
      actual: health.healthy ? 'healthy' : health.problems.join('; '),
      pass: health.healthy,
    });
    const events = this.timeline?.events ?? [];
    return {
      experiment: this.experiment.name,
      steps: this.faults.map((f) => f.record),
      failover: {
        count: failovers.length,
        clientObservedMs: worst,
        clientObservedPerClientMs: gaps.map((g) => g.perClientMs),
        sentinelEvents: events.map((e) => ({ t: e.t, sentinel: e.sentinel, event: e.event, detail: e.detail })),
      },
      thresholds,
      timeline: events,
      drills: [],
    };
  }

  /**
   * Recovery drills, after the run's own ledger verification because they destroy the data: each
   * restores its backup into a fresh node and checks it against the ledger of its chosen moment.
   */
  async runDrills(outcome: ChaosOutcome): Promise<ChaosOutcome> {
    const drills: DrillReport[] = [];
    const thresholds = [...outcome.thresholds];
    for (const { fault } of this.faults) {
      if (!fault.drill) continue;
      const d = await fault.drill(this.topology, this.context()).catch((e: Error): DrillReport => ({ name: fault.kind, detail: '', verification: null, error: e.message }));
      drills.push(d);
      const v = d.verification;
      thresholds.push({
        name: `${d.name}: the restore holds what the ledger acknowledged`,
        limit: 'lost 0, resurrected 0',
        actual: v ? `${v.keysChecked} keys checked: lost ${v.lost}, resurrected ${v.resurrected}` : `not verified: ${d.error ?? 'unknown'}`,
        pass: v !== null && v.keysChecked > 0 && v.lost === 0 && v.resurrected === 0,
      });
    }
    return { ...outcome, drills, thresholds };
  }
}
