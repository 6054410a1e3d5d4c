import { setTimeout as sleep } from 'node:timers/promises';
import type { StartedTopology } from '../topology/startedTopology.js';
import type { RedisNodeHandle } from '../topology/nodeHandles.js';

/**
 * One type per fault, each with its attributes (Toxiproxy's model). `inject` does the damage and
 * returns when the fault's own duration is over (or at once for instant faults); `heal` undoes
 * what can be undone. The runner calls `heal` for every injected fault at the end, whatever
 * happened, and then resets every proxy.
 */
export interface Fault {
  readonly kind: string;
  describe(): string;
  /** `strike` is called at the moment the damage is done (after any look-ups), to time the fault exactly. */
  inject(t: StartedTopology, strike: () => void): Promise<string>;
  heal(t: StartedTopology): Promise<void>;
}

async function requireMaster(t: StartedTopology): Promise<RedisNodeHandle> {
  const m = await t.currentMaster();
  if (!m) throw new Error('no master known to the sentinels');
  return m;
}

/** SIGKILL the master process; healing restarts it on its data directory (it rejoins as a replica). */
export class KillMaster implements Fault {
  readonly kind = 'kill-master';
  private victim: RedisNodeHandle | null = null;
  describe(): string {
    return 'SIGKILL the master';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    this.victim = await requireMaster(t);
    strike();
    process.kill(this.victim.pid, 'SIGKILL');
    return `killed ${this.victim.name} (pid ${this.victim.pid})`;
  }
  async heal(t: StartedTopology): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

/** SIGSTOP the master for `durationMs`, then SIGCONT. Longer than down-after-milliseconds triggers a failover. */
export class FreezeMaster implements Fault {
  readonly kind = 'freeze-master';
  private victim: RedisNodeHandle | null = null;
  constructor(readonly durationMs: number) {}
  describe(): string {
    return `SIGSTOP the master for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    this.victim = await requireMaster(t);
    strike();
    process.kill(this.victim.pid, 'SIGSTOP');
    await sleep(this.durationMs);
    process.kill(this.victim.pid, 'SIGCONT');
    return `froze ${this.victim.name} (pid ${this.victim.pid}) for ${this.durationMs} ms`;
  }
  async heal(): Promise<void> {
    if (this.victim?.isRunning()) process.kill(this.victim.pid, 'SIGCONT');
  }
}

/**
 * Cut the master's peer proxy for `durationMs`: sentinels and replicas lose it while clients still
 * reach it through its app proxy (the split-brain case). Writes it takes meanwhile are lost when
 * it rejoins as a replica, unless min-replicas-to-write stops it from taking them.
 */
export class PartitionMaster implements Fault {
  readonly kind = 'partition-master';
  constructor(readonly durationMs: number) {}
  describe(): string {
    return `cut the master's peer proxy (replication + sentinels) for ${this.durationMs} ms; clients still reach it`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const p = await t.proxy(m.peerProxyName);
    strike();
    await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
    await sleep(this.durationMs);
    await p.update({ enabled: true, listen: p.listen, upstream: p.upstream });
    return `partitioned ${m.name} from replicas and sentinels for ${this.durationMs} ms`;
  }
  async heal(t: StartedTopology): Promise<void> {
    await t.resetProxies();
  }
}

/** Latency (with jitter) on the master's app link for `durationMs`. */
export class MasterLatency implements Fault {
  readonly kind = 'latency';
  constructor(
    readonly latencyMs: number,
    readonly jitterMs: number,
    readonly durationMs: number,
  ) {}
  describe(): string {
    return `${this.latencyMs} ± ${this.jitterMs} ms on the master's app link for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const p = await t.proxy(m.appProxyName);
    strike();
    const toxic = await p.addToxic({ name: 'gauntlet-latency', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: this.latencyMs, jitter: this.jitterMs } });
    await sleep(this.durationMs);
    await toxic.remove();
    return `added ${this.latencyMs} ± ${this.jitterMs} ms to ${m.appProxyName} for ${this.durationMs} ms`;
  }
  async heal(t: StartedTopology): Promise<void> {
    await t.resetProxies();
  }
}

/** SIGKILL `count` sentinels (the highest-numbered first); healing restarts them on their own config. */
export class KillSentinels implements Fault {
  readonly kind = 'kill-sentinels';
  private victims: string[] = [];
  constructor(readonly count: number) {}
  describe(): string {
    return `SIGKILL ${this.count} of the sentinels`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const running = t.sentinels.filter((x) => x.isRunning());
    const victims = running.slice(-this.count);
    strike();
    for (const v of victims) process.kill(v.pid, 'SIGKILL');
    this.victims = victims.map((v) => v.name);
    return `killed ${this.victims.join(', ')}`;
  }
  async heal(t: StartedTopology): Promise<void> {
    for (const name of this.victims) await t.restartSentinel(name);
  }
}
