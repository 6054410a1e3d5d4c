import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Ledger } from '../ledger/ledger.js';
import type { RecoveryRecord, WindowRecovery } from '../failover/windowRecovery.js';
import type { FailoverWatch } from '../failover/failoverWatch.js';
import type { WriteAvailability } from '../failover/writeAvailability.js';
import { strikeBefore, type Strike } from '../failover/strikeBefore.js';
import type { AppClient } from '../load/appClients.js';
import type { RunClock } from '../load/loadOptions.js';
import type { AnyTopology } from '../topology/openTopology.js';
import { StartedCluster } from '../topology/startedCluster.js';
import type { HealthReport } from '../topology/startedTopology.js';
import { stepOffsetMs, stepWaitsForFailover, type Experiment } from './experiment.js';
import { buildFault, faultType } from './faultRegistry.js';
import type { DrillReport, Fault, FaultCheck, FaultContext } from './faults/fault.js';

/** How a step ended: it struck and returned, threw, never started, or was still running when the run ended. */
export type StepOutcome = 'completed' | 'failed' | 'never-ran' | 'still-running';

export interface ChaosStepRecord {
  name: string;
  /** When the experiment scheduled it (ms since the load started). */
  scheduledAtMs: number;
  /** When it struck; the scheduled time when it never did. */
  atMs: number;
  struck: boolean;
  endMs: number | null;
  outcome: StepOutcome;
  detail: string;
  /** A runbook procedure or drill: its own checks are gates too. */
  procedure: boolean;
  /** Its strike opened a chaos window; how it recovered (null: it does not touch the data path). */
  recovery: RecoveryRecord | null;
  /** Its write-gap mark (index into the run's WriteAvailability), once struck. */
  markIndex: number | null;
}

/** What happened during an experiment: facts only; src/gates judges them. */
export interface ChaosOutcome {
  experiment: string;
  thresholds: Experiment['thresholds'];
  /** The topology's failure-detection time (sentinel down-after-milliseconds, or cluster-node-timeout): failover limits derive from it. */
  downAfterMs: number;
  /** Which setting `downAfterMs` is (absent: down-after, as before clusters). */
  detectionSetting?: 'down-after' | 'cluster-node-timeout';
  steps: ChaosStepRecord[];
  /** The topology after healing. */
  health: HealthReport;
  /** Each procedure's own checks, after healing. */
  checks: FaultCheck[];
  /** Recovery drills (backup-restore, point-in-time-restore), filled in by `runDrills`. */
  drills: DrillReport[];
}

interface StepEntry {
  /** Its place in the experiment's steps. */
  index: number;
  step: Experiment['steps'][number];
  fault: Fault<AnyTopology>;
  record: ChaosStepRecord;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
}

/** How long `finish` waits for steps still running when the load ends. */
const stepFinishTimeoutMs = 120_000;

/** What the run pipeline shares with the chaos runner: the failover watch, write gaps, window recovery. */
export interface ChaosWatchers {
  watch: FailoverWatch | null;
  writes: WriteAvailability;
  recovery: WindowRecovery;
  /** Awaited before each step strikes: brings the run's ledger up to date when the load keeps it elsewhere (worker threads). */
  beforeStep?: () => Promise<void>;
}

/**
 * Runs an experiment's timed steps during a load on a topology gauntlet controls, watches the
 * sentinels and the clients, then heals every fault, resets every proxy and waits until the
 * topology is healthy again. Wired by the run pipeline: `prepare` and `onClockStart` are the
 * load engine's hooks, `writes` observes every operation.
 */
export class ChaosRunner {
  private readonly entries: StepEntry[];
  private clock: RunClock = { now: () => 0, startedAtWallMs: 0 };
  private appClients: readonly AppClient[] = [];

  constructor(
    private readonly experiment: Experiment,
    private readonly topology: AnyTopology,
    private readonly ledger: Ledger,
    private readonly watchers: ChaosWatchers,
    private readonly runMs: number,
  ) {
    this.entries = experiment.steps.map((step, index) => {
      const fault = buildFault(step.fault);
      const scheduledAtMs = stepOffsetMs(step.at, runMs);
      const procedure = fault.checks !== undefined || fault.drill !== undefined;
      return { index, step, fault, timer: null, running: null, record: { name: fault.kind, scheduledAtMs, atMs: scheduledAtMs, struck: false, endMs: null, outcome: 'never-ran', detail: fault.describe(), procedure, recovery: null, markIndex: null } };
    });
  }

  /** Why the experiment cannot run as planned on this topology and run (said before the load starts), or null. */
  unmetPrecondition(): string | null {
    const shape = this.topology instanceof StartedCluster ? 'cluster' : 'sentinel';
    for (const { fault, record, step } of this.entries) {
      const acts = faultType(step.fault.kind).topology;
      if (acts !== shape && acts !== 'either') return `step ${fault.kind} of ${this.experiment.name} acts on a ${acts === 'cluster' ? 'Redis Cluster (gauntlet run --cluster, or up --cluster)' : 'Sentinel topology'}; this run's target is a ${shape === 'cluster' ? 'cluster' : 'Sentinel topology'}`;
      const why = fault.precondition?.(this.topology);
      if (why) return why;
      if (record.scheduledAtMs >= this.runMs) return `step ${fault.kind} of ${this.experiment.name} is scheduled at ${(record.scheduledAtMs / 1000).toFixed(1)} s, at or after the end of the run (${(this.runMs / 1000).toFixed(1)} s): it would never strike`;
    }
    return null;
  }

  /** Whether any step acts on the app links (so app traffic must cross Toxiproxy). */
  usesAppLinks(): boolean {
    return this.experiment.steps.some((s) => faultType(s.fault.kind).usesAppLinks);
  }

  hasDrills(): boolean {
    return this.entries.some((e) => e.fault.drill !== undefined);
  }

  /** Where each step struck (ms since the load started): what a failover seen shortly after is attributed to. */
  strikes(): Strike[] {
    return this.entries.filter((e) => e.record.struck).map((e) => ({ name: e.record.name, atMs: e.record.atMs }));
  }

  /** Before the clock starts: the app's clients, which procedures reconfigure. */
  prepare(appClients: readonly AppClient[]): void {
    this.appClients = appClients;
  }

  /** When the clock starts: schedule every step at its time. */
  onClockStart(clock: RunClock): void {
    this.clock = clock;
    for (const entry of this.entries) {
      entry.timer = setTimeout(() => {
        entry.timer = null;
        entry.running = this.runStep(entry);
      }, Math.max(0, entry.record.scheduledAtMs - clock.now()));
    }
  }

  private context(): FaultContext {
    return { ledger: this.ledger, appClients: this.appClients, workDir: join(this.topology.dir, 'chaos', `${this.experiment.name}-${process.pid}`) };
  }

  /** One step: inject its fault, time the strike, and record how it ended. */
  private async runStep(entry: StepEntry): Promise<void> {
    const { fault, record, step } = entry;
    record.outcome = 'still-running';
    const strike = (shard?: number): void => {
      if (record.struck) return;
      record.struck = true;
      record.atMs = Math.round(this.clock.now());
      const { writes, recovery, watch } = this.watchers;
      writes.markFault(record.atMs, fault.kind, shard);
      const mark = writes.markCount - 1;
      record.markIndex = mark;
      if (!faultType(step.fault.kind).hitsDataPath) return;
      const at = record.atMs;
      const switchedAt = (): number | null => watch?.changes.find((c) => c.atMs >= at)?.atMs ?? null;
      record.recovery = recovery.watch({
        label: fault.kind,
        startMs: at,
        faultDone: () => record.outcome !== 'still-running',
        needsFailover: stepWaitsForFailover(this.experiment, entry.index, this.topology.settings.downAfterMs),
        failoverSeenAtMs: switchedAt,
        clientsBackAtMs: () => writes.clientsBackAt(mark),
        ownsFailover: () => {
          const switched = switchedAt();
          return switched !== null && strikeBefore(this.strikes(), switched)?.atMs === at;
        },
        maxMs: this.experiment.thresholds.recoverWithinMs,
      });
    };
    try {
      const ctx = this.context();
      await mkdir(ctx.workDir, { recursive: true });
      await this.watchers.beforeStep?.();
      record.detail = await fault.inject(this.topology, strike, ctx);
      record.outcome = 'completed';
      strike();
    } catch (e) {
      record.outcome = 'failed';
      record.detail = `could not inject: ${(e as Error).message}`;
    }
    record.endMs = Math.round(this.clock.now());
  }

  /** Heal everything, reset proxies, wait for health; then gather what happened. */
  async finish(): Promise<ChaosOutcome> {
    for (const e of this.entries) {
      if (e.timer) clearTimeout(e.timer);
      e.timer = null;
    }
    // A procedure may outlast the load (a replica's full sync, sentinel rediscovery): let every
    // started step end before healing, so healing never races the step and its outcome is known.
    const running = this.entries.flatMap((e) => (e.running ? [e.running] : []));
    await Promise.race([Promise.all(running), sleep(stepFinishTimeoutMs, undefined, { ref: false })]);
    for (const { fault } of this.entries) await fault.heal(this.topology).catch(() => undefined);
    await this.topology.resetProxies().catch(() => undefined);
    const health = await this.topology.waitHealthy(this.experiment.thresholds.healthyWithinMs);
    const checks: FaultCheck[] = [];
    for (const { fault } of this.entries) if (fault.checks) checks.push(...(await fault.checks(this.topology)));
    return {
      experiment: this.experiment.name,
      thresholds: this.experiment.thresholds,
      downAfterMs: this.topology.settings.downAfterMs,
      detectionSetting: this.topology instanceof StartedCluster ? 'cluster-node-timeout' : 'down-after',
      steps: this.entries.map((e) => e.record),
      health,
      checks,
      drills: [],
    };
  }

  /**
   * Recovery drills, after the run's own ledger verification because they destroy the data: each
   * restores its backup into a fresh node and checks it against the ledger of its chosen moment.
   */
  async runDrills(outcome: ChaosOutcome): Promise<ChaosOutcome> {
    const drills: DrillReport[] = [];
    for (const { fault } of this.entries) {
      if (!fault.drill) continue;
      drills.push(await fault.drill(this.topology, this.context()).catch((e: Error): DrillReport => ({ name: fault.kind, detail: '', verification: null, error: e.message })));
    }
    return { ...outcome, drills };
  }
}
