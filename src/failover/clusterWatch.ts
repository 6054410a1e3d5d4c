import { Redis } from 'ioredis';
import type { ShardMap } from '../load/shardMap.js';
import type { ClusterAccess } from '../target/target.js';
import { ownerOf, parseClusterNodes, type ClusterNodeLine } from '../topology/clusterNodes.js';
import { parseInfo } from '../topology/replicationInfo.js';
import type { FailoverWatch, MasterChange, WatchEvent } from './failoverWatch.js';

/** Often enough to time a promotion to a quarter of a second; CLUSTER NODES and INFO are cheap. */
const pollEveryMs = 250;

/** What one poll saw: each node's own view, as the node at that address reports it. */
interface NodeAnswer {
  address: string;
  nodes: ClusterNodeLine[] | null;
  /** Master (address) and its config epoch per shard, from this node's view. */
  owners: Array<{ master: string; epoch: number } | null>;
  state: string | null;
}

/**
 * Watches a Redis Cluster for failovers whoever causes them: every quarter second it asks every
 * node it knows for CLUSTER NODES and CLUSTER INFO (or, for a user that may not, CLUSTER SLOTS)
 * over the observer's own connections (for our clusters: admin, straight to each node, so cut
 * links never blind it). A shard's master changes when a node names a new master for the shard's
 * slots with a newer config epoch than the current one: the moment the promoted replica claims the
 * slots. Node flags (fail? = PFAIL, fail = FAIL) and cluster_state changes become events, the
 * cluster's counterparts of the sentinels' +sdown, +odown.
 */
export class ClusterWatch implements FailoverWatch {
  readonly events: WatchEvent[] = [];
  readonly changes: MasterChange[] = [];
  private readonly clients = new Map<string, Redis>();
  private current: Array<{ master: string; epoch: number } | null> = [];
  /** Per observed node address: the flags it last reported for each other node, and its cluster_state. */
  private readonly flagsSeen = new Map<string, string>();
  private readonly statesSeen = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private readsNodes: boolean;

  constructor(
    private readonly access: ClusterAccess,
    private readonly shards: ShardMap,
    /** The first slot of each shard: whoever serves it is the shard's master. */
    private readonly shardSlots: readonly number[],
    private readonly clock: () => number,
  ) {
    this.readsNodes = access.observer.readsNodes;
  }

  async start(): Promise<number> {
    for (const seed of this.access.seeds) this.connect(seed);
    await this.poll(true);
    this.timer = setInterval(() => void this.poll(false), pollEveryMs);
    this.timer.unref();
    return [...this.clients.values()].filter((c) => c.status === 'ready').length;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const c of this.clients.values()) c.disconnect();
  }

  private connect(address: string): void {
    if (this.clients.has(address)) return;
    const c = new Redis({ ...this.access.observerOptions(address), lazyConnect: true, connectTimeout: 500, commandTimeout: 500, maxRetriesPerRequest: 0, enableOfflineQueue: false, enableReadyCheck: false, connectionName: 'gauntlet-cluster-watch', retryStrategy: (n: number) => Math.min(n * 200, 1000) });
    c.on('error', () => undefined);
    c.connect().catch(() => undefined);
    this.clients.set(address, c);
  }

  private async poll(first: boolean): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const answers = await Promise.all([...this.clients.entries()].map(([address, c]) => this.ask(address, c)));
      const atMs = Math.round(this.clock());
      for (const a of answers) this.noteFlags(a, atMs);
      // A newly learnt node (a node added, a seed list that was not complete) is watched too.
      for (const a of answers) for (const n of a.nodes ?? []) if (!n.joining) this.connect(n.address);
      this.noteOwners(answers, atMs, first);
    } finally {
      this.polling = false;
    }
  }

  private async ask(address: string, c: Redis): Promise<NodeAnswer> {
    const none: NodeAnswer = { address, nodes: null, owners: [], state: null };
    if (c.status !== 'ready') return none;
    try {
      if (!this.readsNodes) return { ...none, owners: this.ownersFromSlots(await c.call('CLUSTER', 'SLOTS')) };
      const [nodesText, infoText] = await Promise.all([c.call('CLUSTER', 'NODES'), c.call('CLUSTER', 'INFO')]);
      const nodes = parseClusterNodes(String(nodesText));
      const owners = this.shardSlots.map((slot) => {
        const m = ownerOf(nodes, slot);
        return m ? { master: m.address, epoch: m.configEpoch } : null;
      });
      return { address, nodes, owners, state: parseInfo(String(infoText)).get('cluster_state') ?? null };
    } catch (e) {
      if (/NOPERM/i.test((e as Error).message)) this.readsNodes = false;
      return none;
    }
  }

  /** CLUSTER SLOTS carries no epochs: a change is believed once most answering nodes agree (in noteOwners). */
  private ownersFromSlots(reply: unknown): NodeAnswer['owners'] {
    const entries = reply as Array<[number, number, [string, number]]>;
    return this.shardSlots.map((slot) => {
      const e = entries.find(([a, b]) => slot >= a && slot <= b);
      return e ? { master: `${e[2][0]}:${e[2][1]}`, epoch: -1 } : null;
    });
  }

  private noteOwners(answers: readonly NodeAnswer[], atMs: number, first: boolean): void {
    this.shardSlots.forEach((_, k) => {
      const seen = answers.map((a) => a.owners[k]).filter((o): o is { master: string; epoch: number } => o !== null && o !== undefined);
      if (seen.length === 0) return;
      let best = seen[0]!;
      if (best.epoch >= 0) {
        for (const o of seen) if (o.epoch > best.epoch) best = o;
      } else {
        // Without epochs: the owner most nodes name.
        const votes = new Map<string, number>();
        for (const o of seen) votes.set(o.master, (votes.get(o.master) ?? 0) + 1);
        const [top] = [...votes.entries()].sort((x, y) => y[1] - x[1]);
        best = { master: top![0], epoch: -1 };
      }
      const now = this.current[k];
      if (first || !now) {
        this.current[k] = best;
        return;
      }
      if (best.master === now.master || (best.epoch >= 0 && best.epoch < now.epoch)) return;
      this.current[k] = best;
      const shard = this.shards.names[k] ?? `shard-${k}`;
      this.changes.push({ atMs, from: now.master, to: best.master, seenBy: 'poll', shard: k });
      this.events.push({ t: new Date().toISOString(), atMs, sentinel: 'cluster', event: '+promoted', detail: `${shard}: master ${now.master} -> ${best.master}${best.epoch >= 0 ? ` (config epoch ${best.epoch})` : ''}` });
    });
  }

  /** PFAIL/FAIL flags and cluster_state, as each node reports them: events when they change. */
  private noteFlags(a: NodeAnswer, atMs: number): void {
    const add = (event: string, detail: string): void => void this.events.push({ t: new Date().toISOString(), atMs, sentinel: `node ${a.address}`, event, detail });
    if (a.state !== null) {
      const before = this.statesSeen.get(a.address);
      if (before !== undefined && before !== a.state) add(a.state === 'ok' ? '-cluster-fail' : '+cluster-fail', `cluster_state:${a.state}`);
      this.statesSeen.set(a.address, a.state);
    }
    for (const n of a.nodes ?? []) {
      if (n.myself) continue;
      const key = `${a.address}>${n.address}`;
      const flag = n.failing ?? 'ok';
      const before = this.flagsSeen.get(key) ?? 'ok';
      if (flag === before) continue;
      this.flagsSeen.set(key, flag);
      const what = `${n.role} ${n.address}`;
      if (flag === 'pfail') add('+pfail', what);
      else if (flag === 'fail') add('+fail', what);
      else add(before === 'fail' ? '-fail' : '-pfail', what);
    }
  }
}
