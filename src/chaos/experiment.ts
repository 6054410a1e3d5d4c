import { z } from 'zod';
import { durationSchema, parseDurationMs } from '../inputValidation.js';
import {
  FreezeMaster, IsolateMaster, SentinelLatency, KillMaster, KillReplica, KillSentinels, MasterBandwidth, MasterLatency, MemoryPressure, PartitionMaster, PlannedFailover, RestartMasterFromAof, type Fault,
} from './faults.js';
import { BackupRestore, PointInTimeRestore } from './recoveryDrills.js';
import { RotateAppPassword } from './procedures/rotateAppPassword.js';
import { RotateServicePassword } from './procedures/rotateServicePassword.js';
import { ReplaceReplica } from './procedures/replaceReplica.js';
import { AddSentinel } from './procedures/addSentinel.js';
import { RotateTlsCertificates } from './procedures/rotateTlsCertificates.js';
import { ConnectionLeak } from './procedures/connectionLeak.js';
import { SlowCommands } from './procedures/slowCommands.js';

const duration = durationSchema;

/** The fault registry: one entry per fault type and its attributes. */
const faultSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('kill-master') }).strict(),
  z.object({ kind: z.literal('freeze-master'), duration }).strict(),
  z.object({ kind: z.literal('partition-master'), duration }).strict(),
  z.object({ kind: z.literal('kill-sentinels'), count: z.number().int().min(1).max(3) }).strict(),
  z.object({ kind: z.literal('kill-replica') }).strict(),
  z.object({ kind: z.literal('isolate-master'), duration }).strict(),
  z.object({ kind: z.literal('bandwidth'), rateKBps: z.number().positive(), duration }).strict(),
  z.object({ kind: z.literal('restart-master-from-aof') }).strict(),
  z.object({ kind: z.literal('planned-failover'), safe: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('memory-pressure'), fillFraction: z.number().min(0.1).max(1).default(0.98), duration }).strict(),
  z.object({ kind: z.literal('backup-restore') }).strict(),
  z.object({ kind: z.literal('point-in-time-restore') }).strict(),
  z.object({ kind: z.literal('replace-replica') }).strict(),
  z.object({ kind: z.literal('add-sentinel') }).strict(),
  z.object({ kind: z.literal('rotate-tls-certificates') }).strict(),
  z.object({ kind: z.literal('slow-commands'), count: z.number().int().min(1).max(100).default(5), blockMs: z.number().int().min(11).max(5000).default(100) }).strict(),
  z.object({ kind: z.literal('connection-leak'), connections: z.number().int().min(10).max(5000).default(300), duration: durationSchema.default(3000) }).strict(),
  z.object({ kind: z.literal('rotate-app-password'), retireOld: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('rotate-service-password'), user: z.enum(['replicator', 'sentinel']), updateClients: z.boolean().default(true) }).strict(),
  z.object({ kind: z.literal('latency'), latencyMs: z.number().positive(), jitterMs: z.number().nonnegative().default(0), duration }).strict(),
  z.object({ kind: z.literal('slow-sentinels'), latencyMs: z.number().positive(), duration }).strict(),
]);
export type FaultSpec = z.output<typeof faultSpec>;

export function buildFault(f: FaultSpec): Fault {
  switch (f.kind) {
    case 'kill-master':
      return new KillMaster();
    case 'freeze-master':
      return new FreezeMaster(f.duration);
    case 'partition-master':
      return new PartitionMaster(f.duration);
    case 'kill-sentinels':
      return new KillSentinels(f.count);
    case 'kill-replica':
      return new KillReplica();
    case 'isolate-master':
      return new IsolateMaster(f.duration);
    case 'bandwidth':
      return new MasterBandwidth(f.rateKBps, f.duration);
    case 'restart-master-from-aof':
      return new RestartMasterFromAof();
    case 'planned-failover':
      return new PlannedFailover(f.safe);
    case 'memory-pressure':
      return new MemoryPressure(f.fillFraction, f.duration);
    case 'latency':
      return new MasterLatency(f.latencyMs, f.jitterMs, f.duration);
    case 'slow-sentinels':
      return new SentinelLatency(f.latencyMs, f.duration);
    case 'backup-restore':
      return new BackupRestore();
    case 'point-in-time-restore':
      return new PointInTimeRestore();
    case 'slow-commands':
      return new SlowCommands(f.count, f.blockMs);
    case 'connection-leak':
      return new ConnectionLeak(f.connections, f.duration);
    case 'rotate-tls-certificates':
      return new RotateTlsCertificates();
    case 'add-sentinel':
      return new AddSentinel();
    case 'replace-replica':
      return new ReplaceReplica();
    case 'rotate-app-password':
      return new RotateAppPassword(f.retireOld);
    case 'rotate-service-password':
      return new RotateServicePassword(f.user, f.updateClients);
  }
}

export const experimentSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    description: z.string(),
    /** `at`: a duration into the run, or a share of it ("50%"). */
    steps: z.array(z.object({ at: z.string().regex(/^(\d+(\.\d+)?%|\d+(ms|s|m))$/, 'a duration such as "40s" or a share such as "50%"'), fault: faultSpec }).strict()).min(1),
    thresholds: z
      .object({
        /** true: at least one failover must happen; false: none may. */
        expectFailover: z.boolean().optional(),
        maxWriteUnavailabilityMs: z.number().positive().optional(),
        /** After healing, the topology must be healthy again within this time. */
        healthyWithinMs: z.number().positive().default(60_000),
      })
      .strict(),
  })
  .strict();
export type ExperimentInput = z.input<typeof experimentSchema>;
export type Experiment = z.output<typeof experimentSchema>;

export function defineExperiment(e: ExperimentInput): ExperimentInput {
  return e;
}

export function stepOffsetMs(at: string, runMs: number): number {
  if (at.endsWith('%')) return Math.round((Number(at.slice(0, -1)) / 100) * runMs);
  return parseDurationMs(at) ?? 0;
}
