import type { RedisOptions } from 'ioredis';

/** How to reach one sentinel as an observer (our topology: admin, straight to its port; a staging one: its sentinel user). */
export interface SentinelEndpoint {
  name: string;
  options: RedisOptions;
}
import type { StartedTopology } from '../topology/startedTopology.js';

/** What the load engine and the checks need from a deployment, wherever it runs. */
export interface Target {
  kind: 'embedded' | 'detached' | 'external';
  /** For summary.json and the console: where the load went. */
  describe(): TargetDescription;
  /** ioredis options for one application client (through sentinels, as the app user). */
  clientOptions(): RedisOptions;
  /** The embedded or detached topology, when gauntlet controls the processes (chaos needs it). */
  topology: StartedTopology | null;
  /** External targets refuse destructive actions unless the user allowed them explicitly. */
  allowDestructive: boolean;
  /** How an observer reaches the sentinels (to see failovers whoever causes them); empty without sentinels. */
  sentinelEndpoints(): SentinelEndpoint[];
  close(): Promise<void>;
}

export interface TargetDescription {
  kind: Target['kind'];
  masterName: string;
  sentinels: string[];
  topologyId: string | null;
  tls: boolean;
  settings: Record<string, string | number> | null;
}
