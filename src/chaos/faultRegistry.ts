import { z } from 'zod';
import type { Fault, FaultType } from './faults/fault.js';
import { clusterFailover } from './faults/clusterFailover.js';
import { deleteAcknowledgedSessions } from './faults/deleteAcknowledgedSessions.js';
import { freezeMaster } from './faults/freezeMaster.js';
import { freezeShardMaster } from './faults/freezeShardMaster.js';
import { isolateMaster } from './faults/isolateMaster.js';
import { killMaster } from './faults/killMaster.js';
import { killReplica } from './faults/killReplica.js';
import { killShardMaster } from './faults/killShardMaster.js';
import { killShardReplica } from './faults/killShardReplica.js';
import { killSentinels } from './faults/killSentinels.js';
import { masterBandwidth } from './faults/masterBandwidth.js';
import { masterLatency } from './faults/masterLatency.js';
import { memoryPressure } from './faults/memoryPressure.js';
import { migrateSlots } from './faults/migrateSlots.js';
import { partitionMaster } from './faults/partitionMaster.js';
import { partitionShardMaster } from './faults/partitionShardMaster.js';
import { plannedFailover } from './faults/plannedFailover.js';
import { backupRestore, pointInTimeRestore } from './faults/recoveryDrills.js';
import { restartMasterFromAof } from './faults/restartMasterFromAof.js';
import { slowSentinels } from './faults/slowSentinels.js';
import { addSentinel } from './procedures/addSentinel.js';
import { connectionLeak } from './procedures/connectionLeak.js';
import { replaceReplica } from './procedures/replaceReplica.js';
import { rotateAppPassword } from './procedures/rotateAppPassword.js';
import { rotateServicePassword } from './procedures/rotateServicePassword.js';
import { rotateTlsCertificates } from './procedures/rotateTlsCertificates.js';
import { slowCommands } from './procedures/slowCommands.js';

/** Every fault type, once: the experiment schema, `buildFault` and the docs' list come from here. */
export const faultTypes = [
  killMaster, freezeMaster, partitionMaster, isolateMaster, killReplica, killSentinels, masterLatency, masterBandwidth, slowSentinels,
  restartMasterFromAof, plannedFailover, memoryPressure, backupRestore, pointInTimeRestore, deleteAcknowledgedSessions,
  replaceReplica, addSentinel, rotateAppPassword, rotateServicePassword, rotateTlsCertificates, connectionLeak, slowCommands,
  killShardMaster, freezeShardMaster, partitionShardMaster, killShardReplica, clusterFailover, migrateSlots,
] as const;

type Schemas<T extends readonly FaultType[]> = { -readonly [I in keyof T]: T[I]['schema'] };
const schemas = faultTypes.map((t) => t.schema) as unknown as Schemas<typeof faultTypes>;

/** A step's `fault` in an experiment file: one of the kinds above with its attributes. */
export const faultSpec = z.discriminatedUnion('kind', schemas);
export type FaultSpec = z.output<typeof faultSpec>;
export type FaultKind = FaultSpec['kind'];

const byKind = new Map<string, FaultType>(faultTypes.map((t) => [t.kind, t as unknown as FaultType]));

export function faultType(kind: FaultKind): FaultType {
  const t = byKind.get(kind);
  if (!t) throw new Error(`no fault type ${kind}`);
  return t;
}

export function buildFault(spec: FaultSpec): Fault {
  return faultType(spec.kind).create(spec as never);
}
