import { z } from 'zod';
import type { Ledger } from '../../ledger/ledger.js';
import type { AppClient } from '../../load/appClients.js';
import type { LedgerReport } from '../../ledger/verifyLedger.js';
import type { RedisNodeHandle } from '../../topology/nodeHandles.js';
import type { AnyTopology } from '../../topology/openTopology.js';
import type { StartedTopology } from '../../topology/startedTopology.js';

/** What a fault may use beside the topology: operator procedures act on clients and the ledger. */
export interface FaultContext {
  /** The run's acknowledged-write ledger (drills snapshot it at their chosen moment). */
  readonly ledger: Ledger;
  /** The application's ioredis clients (a credential rotation reconfigures them, as a deploy would). */
  readonly appClients: readonly AppClient[];
  /** A fresh directory for the fault's files (backups, new certificates). */
  readonly workDir: string;
}

/** One of a procedure's own checks (the old password refused): a fact, judged as a gate by src/gates. */
export interface FaultCheck {
  name: string;
  limit: string;
  actual: string;
  pass: boolean;
}

/** A recovery drill's result: a restore checked against what the ledger had acknowledged. */
export interface DrillReport {
  name: string;
  detail: string;
  /** `indeterminate`: facts the restore could not settle (the ledger's unverifiable ones). */
  verification: (Pick<LedgerReport, 'keysChecked' | 'lost' | 'resurrected' | 'expired' | 'examples'> & { indeterminate: number }) | null;
  /** Why the drill could not verify (no backup, restore failed); null when it did. */
  error: string | null;
}

/**
 * One type per fault, each with its attributes (Toxiproxy's model). `inject` does the damage and
 * returns when the fault's own duration is over (or at once for instant faults); `heal` undoes
 * what can be undone. The runner calls `heal` for every injected fault at the end, whatever
 * happened, and then resets every proxy.
 */
export interface Fault<T extends AnyTopology = StartedTopology> {
  readonly kind: string;
  describe(): string;
  /**
   * `strike` is called at the moment the damage is done (after any look-ups), to time the fault
   * exactly; a fault on one shard of a cluster names the shard (its index), so the write gap is
   * measured on that shard's keys.
   */
  inject(t: T, strike: (shard?: number) => void, ctx: FaultContext): Promise<string>;
  heal(t: T): Promise<void>;
  /** Why this fault cannot run on `t` (said before the load starts), or null. */
  precondition?(t: T): string | null;
  /** A procedure's own checks (the old password refused, the new certificate served), after healing. */
  checks?(t: T): Promise<FaultCheck[]>;
  /** Recovery drills: after the run's ledger verification, because they destroy the data. */
  drill?(t: T, ctx: FaultContext): Promise<DrillReport>;
}

/**
 * A fault type: its `kind` in experiment files, the schema of its attributes, and what it means
 * for the data path. The registry (faultRegistry.ts) is built from the list of these.
 */
export interface FaultType<K extends string = string, Shape extends z.ZodRawShape = z.ZodRawShape> {
  kind: K;
  schema: z.ZodObject<{ kind: z.ZodLiteral<K> } & Shape, z.core.$strict>;
  /** The application's operations are expected to suffer from its strike until recovery (a chaos window). */
  hitsDataPath: boolean;
  /** It acts on the app links (node or sentinel app proxies), so app traffic must cross Toxiproxy. */
  usesAppLinks: boolean;
  /**
   * This step makes the master fail over on a topology whose failure detection (down-after, or
   * cluster-node-timeout) takes `detectionMs`: killed, a failover asked for, or frozen or cut off
   * for at least that long. In an experiment that expects a failover, such a step's window waits
   * for the switch and the clients' return, and another step's window does not.
   */
  failsOverMaster(spec: z.output<z.ZodObject<{ kind: z.ZodLiteral<K> } & Shape>>, detectionMs: number): boolean;
  /** It reconfigures the application's clients, which exist only when the load runs in the run's own thread (not with --workers). */
  usesAppClients?: boolean;
  /** The topology shape it acts on: a Sentinel topology, a Cluster, or either. */
  topology: 'sentinel' | 'cluster' | 'either';
  create(spec: z.output<z.ZodObject<{ kind: z.ZodLiteral<K> } & Shape>>): Fault<AnyTopology>;
}

const never = (): boolean => false;

/** `failsOverMaster` of a kill or a failover asked for. */
export const always = (): boolean => true;

/** `failsOverMaster` of a freeze, partition or isolation: only one that lasts at least the failure detection. */
export const whenItOutlastsDetection = (f: { duration: number }, detectionMs: number): boolean => f.duration >= detectionMs;

export function defineFault<K extends string, Shape extends z.ZodRawShape>(t: {
  kind: K;
  attributes: Shape;
  hitsDataPath: boolean;
  usesAppLinks: boolean;
  /** Default: never. */
  failsOverMaster?: (spec: z.output<z.ZodObject<{ kind: z.ZodLiteral<K> } & Shape>>, detectionMs: number) => boolean;
  usesAppClients?: boolean;
  /** Default: a Sentinel topology. */
  topology?: 'sentinel' | 'cluster' | 'either';
  create: (spec: z.output<z.ZodObject<{ kind: z.ZodLiteral<K> } & Shape>>) => Fault<AnyTopology>;
}): FaultType<K, Shape> {
  const schema = z.object({ kind: z.literal(t.kind), ...t.attributes }).strict() as FaultType<K, Shape>['schema'];
  return { kind: t.kind, schema, hitsDataPath: t.hitsDataPath, usesAppLinks: t.usesAppLinks, failsOverMaster: t.failsOverMaster ?? never, usesAppClients: t.usesAppClients ?? false, topology: t.topology ?? 'sentinel', create: t.create };
}

export async function requireMaster(t: StartedTopology): Promise<RedisNodeHandle> {
  const m = await t.currentMaster();
  if (!m) throw new Error('no master known to the sentinels');
  return m;
}
