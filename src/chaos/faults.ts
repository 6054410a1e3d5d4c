import { setTimeout as sleep } from 'node:timers/promises';
import type { ICreateToxicBody } from 'toxiproxy-node-client';
import type { Redis } from 'ioredis';
import type { StartedTopology } from '../topology/startedTopology.js';
import type { RedisNodeHandle } from '../topology/nodeHandles.js';
import type { Ledger } from '../checks/ledger.js';
import type { ThresholdResult } from '../checks/thresholds.js';
import type { LedgerReport } from '../checks/verifyLedger.js';

/** What a fault may use beside the topology: operator procedures act on clients and the ledger. */
export interface FaultContext {
  /** The run's acknowledged-write ledger (drills snapshot it at their chosen moment). */
  readonly ledger: Ledger;
  /** The application's ioredis clients (a credential rotation reconfigures them, as a deploy would). */
  readonly appClients: readonly Redis[];
  /** A fresh directory for the fault's files (backups, new certificates). */
  readonly workDir: string;
}

/** A recovery drill's result: a restore checked against what the ledger had acknowledged. */
export interface DrillReport {
  name: string;
  detail: string;
  verification: Pick<LedgerReport, 'keysChecked' | 'lost' | 'resurrected' | 'expired' | 'indeterminate' | 'examples'> | null;
  /** Why the drill could not verify (no backup, restore failed); null when it did. */
  error: string | null;
}

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
  inject(t: StartedTopology, strike: () => void, ctx: FaultContext): Promise<string>;
  heal(t: StartedTopology): Promise<void>;
  /** Why this fault cannot run on `t` (said before the load starts), or null. */
  precondition?(t: StartedTopology): string | null;
  /** A procedure's own checks (the old password refused, the new certificate served), after healing. */
  gates?(t: StartedTopology): Promise<ThresholdResult[]>;
  /** Recovery drills: after the run's ledger verification, because they destroy the data. */
  drill?(t: StartedTopology, ctx: FaultContext): Promise<DrillReport>;
}

/** Faults that act on proxies heal by resetting them all (every proxy enabled, no toxics). */
abstract class ProxyFault implements Fault {
  abstract readonly kind: string;
  abstract describe(): string;
  abstract inject(t: StartedTopology, strike: () => void): Promise<string>;
  async heal(t: StartedTopology): Promise<void> {
    await t.resetProxies();
  }
}

/** Cuts the named links for `durationMs`, then restores them. */
async function cutLinks(t: StartedTopology, names: readonly string[], durationMs: number, strike: () => void): Promise<void> {
  strike();
  await Promise.all(names.map((n) => t.setProxyEnabled(n, false)));
  await sleep(durationMs);
  await Promise.all(names.map((n) => t.setProxyEnabled(n, true)));
}

/** Adds the toxics to each named proxy for `durationMs`, then removes them; one strike for all. */
async function holdToxics(t: StartedTopology, proxyNames: readonly string[], toxics: ReadonlyArray<ICreateToxicBody<unknown>>, durationMs: number, strike: () => void): Promise<void> {
  const proxies = await Promise.all(proxyNames.map((n) => t.proxy(n)));
  strike();
  const added = await Promise.all(proxies.flatMap((p) => toxics.map((x) => p.addToxic(x))));
  await sleep(durationMs);
  await Promise.all(added.map((x) => x.remove()));
}

export async function requireMaster(t: StartedTopology): Promise<RedisNodeHandle> {
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
export class PartitionMaster extends ProxyFault {
  readonly kind = 'partition-master';
  constructor(readonly durationMs: number) {
    super();
  }
  describe(): string {
    return `cut the master's peer proxy (replication + sentinels) for ${this.durationMs} ms; clients still reach it`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    await cutLinks(t, [m.peerProxyName], this.durationMs, strike);
    return `partitioned ${m.name} from replicas and sentinels for ${this.durationMs} ms`;
  }
}

/** Latency (with jitter) on the master's app link for `durationMs`. */
export class MasterLatency extends ProxyFault {
  readonly kind = 'latency';
  constructor(
    readonly latencyMs: number,
    readonly jitterMs: number,
    readonly durationMs: number,
  ) {
    super();
  }
  describe(): string {
    return `${this.latencyMs} ± ${this.jitterMs} ms on the master's app link for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const latency = { name: 'gauntlet-latency', type: 'latency' as const, stream: 'downstream' as const, toxicity: 1, attributes: { latency: this.latencyMs, jitter: this.jitterMs } };
    await holdToxics(t, [m.appProxyName], [latency], this.durationMs, strike);
    return `added ${this.latencyMs} ± ${this.jitterMs} ms to ${m.appProxyName} for ${this.durationMs} ms`;
  }
}

/**
 * Latency on every sentinel's app link for `durationMs`: what clients see of sentinels in a far
 * zone. Sentinels still talk to each other and to the nodes directly, so failover is unaffected;
 * only the clients' master look-ups and +switch-master subscriptions are slow.
 */
export class SentinelLatency extends ProxyFault {
  readonly kind = 'slow-sentinels';
  constructor(
    readonly latencyMs: number,
    readonly durationMs: number,
  ) {
    super();
  }
  describe(): string {
    return `${this.latencyMs} ms on every sentinel's app link for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const latency = { name: 'gauntlet-sentinel-latency', type: 'latency' as const, stream: 'downstream' as const, toxicity: 1, attributes: { latency: this.latencyMs, jitter: 0 } };
    const names = t.sentinels.map((s) => s.appProxyName);
    await holdToxics(t, names, [latency], this.durationMs, strike);
    return `added ${this.latencyMs} ms to ${names.join(', ')} for ${this.durationMs} ms`;
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

/** SIGKILL one replica; healing restarts it. Writes continue; with min-replicas-to-write 1 one replica still suffices. */
export class KillReplica implements Fault {
  readonly kind: string = 'kill-replica';
  protected victim: RedisNodeHandle | null = null;
  describe(): string {
    return 'SIGKILL one replica';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const master = await requireMaster(t);
    const victim = t.nodes.find((n) => n !== master && n.isRunning());
    if (!victim) throw new Error('no running replica');
    this.victim = victim;
    strike();
    process.kill(victim.pid, 'SIGKILL');
    return `killed replica ${victim.name} (pid ${victim.pid})`;
  }
  async heal(t: StartedTopology): Promise<void> {
    if (this.victim && !this.victim.isRunning()) await t.restartNode(this.victim.name);
  }
}

/** Cut both of the master's proxies (clients and peers) for `durationMs`: unreachable for everyone. */
export class IsolateMaster extends ProxyFault {
  readonly kind = 'isolate-master';
  constructor(readonly durationMs: number) {
    super();
  }
  describe(): string {
    return `cut the master's app and peer proxies for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    await cutLinks(t, [m.appProxyName, m.peerProxyName], this.durationMs, strike);
    return `isolated ${m.name} for ${this.durationMs} ms`;
  }
}

/** Limit the master's app link to `rateKBps` for `durationMs`. */
export class MasterBandwidth extends ProxyFault {
  readonly kind = 'bandwidth';
  constructor(
    readonly rateKBps: number,
    readonly durationMs: number,
  ) {
    super();
  }
  describe(): string {
    return `limit the master's app link to ${this.rateKBps} KB/s for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const limits = (['upstream', 'downstream'] as const).map((stream) => ({ name: `gauntlet-bandwidth-${stream}`, type: 'bandwidth' as const, stream, toxicity: 1, attributes: { rate: this.rateKBps } }));
    await holdToxics(t, [m.appProxyName], limits, this.durationMs, strike);
    return `limited ${m.appProxyName} to ${this.rateKBps} KB/s for ${this.durationMs} ms`;
  }
}

/**
 * SIGKILL the master and restart it at once on the same data directory, before the sentinels
 * can fail over: what the AOF (appendfsync everysec) gives back. The kernel keeps written AOF
 * data across a process kill, so nothing acknowledged should be lost; a power cut would differ.
 */
export class RestartMasterFromAof implements Fault {
  readonly kind = 'restart-master-from-aof';
  describe(): string {
    return 'SIGKILL the master and restart it on its data directory before any failover';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    strike();
    process.kill(m.pid, 'SIGKILL');
    const started = Date.now();
    while (m.isRunning() && Date.now() - started < 2000) await sleep(10);
    await t.restartNode(m.name);
    return `killed ${m.name} and restarted it from its AOF in ${Date.now() - started} ms`;
  }
  async heal(): Promise<void> {}
}

/**
 * The safe maintenance failover: pause writes on the master (CLIENT PAUSE WRITE), wait until a
 * replica has the master's replication offset, SENTINEL FAILOVER, wait for the switch, unpause.
 * `safe: false` is the naive variant (SENTINEL FAILOVER at once) for comparison.
 */
export class PlannedFailover implements Fault {
  readonly kind: string;
  constructor(readonly safe: boolean) {
    this.kind = safe ? 'planned-failover' : 'planned-failover-naive';
  }
  describe(): string {
    return this.safe ? 'pause writes, wait for a caught-up replica, SENTINEL FAILOVER' : 'SENTINEL FAILOVER without pausing writes (naive)';
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const sentinel = t.sentinels.find((s) => s.isRunning());
    if (!sentinel) throw new Error('no running sentinel');
    strike();
    let caughtUpMs = 0;
    if (this.safe) {
      await m.control().call('CLIENT', 'PAUSE', '20000', 'WRITE');
      const started = Date.now();
      // Every replica, not just one: Sentinel picks the replica to promote by its own view.
      for (;;) {
        const info = await m.control().info('replication');
        const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1]);
        const replicaOffsets = [...info.matchAll(/slave\d+:.*offset=(\d+)/g)].map((x) => Number(x[1]));
        if ((replicaOffsets.length > 0 && replicaOffsets.every((o) => o >= offset)) || Date.now() - started > 10_000) break;
        await sleep(5);
      }
      caughtUpMs = Date.now() - started;
    }
    await sentinel.control().call('SENTINEL', 'FAILOVER', t.masterName);
    const deadline = Date.now() + 20_000;
    let promoted: RedisNodeHandle | null = null;
    while (Date.now() < deadline && !promoted) {
      const now = await t.currentMaster();
      if (now && now !== m) promoted = now;
      else await sleep(50);
    }
    if (this.safe) {
      // Writes queued by the pause must not run on the old master: demote it first (Sentinel
      // would convert it too, but only later), and release the pause only once it is a replica;
      // the queued writes then get READONLY and the clients retry on the new master.
      if (promoted) {
        const [host, port] = promoted.announcedAddress.split(':') as [string, string];
        await m.control().call('REPLICAOF', host, port);
        const until = Date.now() + 10_000;
        while ((await m.role()) !== 'replica' && Date.now() < until) await sleep(20);
      }
      await m.control().call('CLIENT', 'UNPAUSE').catch(() => undefined);
    }
    return this.safe ? `paused writes on ${m.name}, replica caught up in ${caughtUpMs} ms, failed over` : `failed over from ${m.name} without pausing writes`;
  }
  async heal(t: StartedTopology): Promise<void> {
    for (const n of t.nodes) if (n.isRunning()) await n.control().call('CLIENT', 'UNPAUSE').catch(() => undefined);
  }
}

/**
 * Fill the master towards maxmemory with filler keys (admin connection) and hold for
 * `durationMs`: with the reference noeviction policy session writes fail with OOM (counted as
 * errors by kind); with an evicting policy INFO's evicted_keys grows and the ledger shows which
 * session keys went. Healing deletes the filler.
 */
export class MemoryPressure implements Fault {
  readonly kind = 'memory-pressure';
  private filler = 0;
  private evictedBefore = 0;
  constructor(
    readonly fillFraction: number,
    readonly durationMs: number,
  ) {}
  describe(): string {
    return `fill the master to ${Math.round(this.fillFraction * 100)} % of maxmemory for ${this.durationMs} ms`;
  }
  async inject(t: StartedTopology, strike: () => void): Promise<string> {
    const m = await requireMaster(t);
    const c = m.control();
    const max = Number((await c.config('GET', 'maxmemory'))[1]);
    if (!max) throw new Error('maxmemory is not set on the master');
    const policy = String((await c.config('GET', 'maxmemory-policy'))[1]);
    this.evictedBefore = Number(/evicted_keys:(\d+)/.exec(await c.info('stats'))?.[1] ?? 0);
    strike();
    // Fill, then keep topping up for the whole duration: freed memory (expired sessions,
    // drained replication buffers) is taken again, so the store stays at its limit.
    const value = 'x'.repeat(64 * 1024);
    let full = false;
    const until = Date.now() + this.durationMs;
    for (;;) {
      const used = Number(/used_memory:(\d+)/.exec(await c.info('memory'))?.[1]);
      if (used < max * this.fillFraction) {
        const p = c.pipeline();
        for (let k = 0; k < 8; k++) p.set(`gauntlet:filler:${this.filler++}`, value);
        const res = await p.exec();
        full = Boolean(res?.some(([e]) => e && /OOM/.test(e.message)));
      } else full = true;
      if (full) {
        if (Date.now() >= until) break;
        await sleep(20);
      }
    }
    const evicted = Number(/evicted_keys:(\d+)/.exec(await c.info('stats'))?.[1] ?? 0) - this.evictedBefore;
    return `filled ${m.name} to ${Math.round(this.fillFraction * 100)} % of ${max} bytes (${this.filler} filler keys, policy ${policy}); evicted keys meanwhile: ${evicted}`;
  }
  async heal(t: StartedTopology): Promise<void> {
    const m = await t.currentMaster();
    if (!m) return;
    for (let i = 0; i < this.filler; i += 500) {
      const keys = Array.from({ length: Math.min(500, this.filler - i) }, (_, k) => `gauntlet:filler:${i + k}`);
      await m.control().unlink(...keys).catch(() => undefined);
    }
  }
}
